"""Models and prices: ``GET /v1/models``, ``GET /v1/models/{id}`` and the price estimate.

The estimate is Sogni's ``GET /api/v1/job-llm/estimate/{tokenType}/{model}/{input}/{output}``,
outside ``/v1`` and without a key; its prices are made up but fixed.
"""

from __future__ import annotations

from typing import Any

from ._http import BaseHandler
from ._wire import Reply, sogni_error, unknown_model

#: The most digits a token count in a price estimate may have.
MAX_TOKEN_DIGITS = 12


class ModelRoutes(BaseHandler):
    """The model and price routes, a mixin of the emulator's handler."""

    def _list_models(self) -> None:
        """``GET models``: every model the emulator serves."""
        self._send_json(
            200, {"object": "list", "data": [self._model(m) for m in self.emulator.models]}
        )

    def _retrieve_model(self, model_id: str) -> None:
        """``GET models/{id}``: one model, or 404."""
        if model_id not in self.emulator.models:
            raise Reply(404, unknown_model(model_id))
        self._send_json(200, self._model(model_id))

    @staticmethod
    def _model(model_id: str) -> dict[str, Any]:
        """The model object OpenAI's ``models`` routes answer with."""
        return {"id": model_id, "object": "model", "created": 1767225600, "owned_by": "sogni"}

    def _estimate(self, parts: list[str]) -> None:
        """``GET /api/v1/job-llm/estimate/...``: the price of a number of tokens."""
        if len(parts) != 4:
            raise Reply(404, sogni_error("estimate/{tokenType}/{model}/{input}/{output}", 404))
        token_type, model, given_in, given_out = parts
        if model not in self.emulator.models:
            raise Reply(404, sogni_error(f"Unknown model {model}", 404))
        counts = []
        for given in (given_in, given_out):
            # ASCII digits only (int() also takes "+5", " 5", "5_000" and other scripts' digits),
            # and few enough of them for a float: a larger count is a 400, not a dropped line.
            if not (given.isascii() and given.isdigit() and len(given) <= MAX_TOKEN_DIGITS):
                largest = 10**MAX_TOKEN_DIGITS - 1
                message = f"token counts must be whole numbers from 0 to {largest:,}"
                raise Reply(400, sogni_error(message, 400))
            counts.append(int(given))
        input_tokens, output_tokens = counts
        usd = round((input_tokens * 0.15 + output_tokens * 0.6) / 1_000_000, 8)
        quote = {
            "costInUSD": usd,
            "costInSogni": round(usd * 20, 8),
            "costInSpark": round(usd * 100, 8),
            "costInToken": round(usd * (100 if token_type == "spark" else 20), 8),
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "tokenType": token_type,
        }
        self._send_json(200, {"quote": quote})
