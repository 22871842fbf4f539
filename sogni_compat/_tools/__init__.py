"""The auto-tool loop and Sogni's hosted tools, by responsibility (imports nothing itself).

- :mod:`.loop`: rounds of completions and tool runs (``run_tool_loop``);
- :mod:`.executor`: which executor runs a call (``tool_handlers``, hosted, ``on_tool_call``);
- :mod:`.hosted`: one hosted tool, from the start of its job to its result;
- :mod:`.report`: tool results and progress reports;
- :mod:`.follow`: following a workflow or a durable run to its end, and cancelling one;
- :mod:`.upload`: putting media on Sogni for a step.

Each module imports only those after it in this list, and nothing of ``resources`` or the
client; the resources use the names without a leading underscore.
"""
