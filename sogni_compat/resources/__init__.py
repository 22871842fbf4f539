"""Resource namespaces of the client."""

from .chat import Chat, Completions
from .models import Models

__all__ = ["Chat", "Completions", "Models"]
