"""The names of the request's parameter types, which their modules export on first use.

Kept apart from the types themselves, so ``sogni_compat.types``, ``types.chat`` and
``types.responses`` can offer them without building them.
"""

__all__ = ["CHAT_PARAMS", "RESPONSE_PARAMS"]

#: Defined in :mod:`sogni_compat.types._chat_params`, exported by ``types.chat`` and ``types``.
CHAT_PARAMS = (
    "ChatCompletionAssistantMessageParam",
    "ChatCompletionContentPartImageParam",
    "ChatCompletionContentPartInputAudioParam",
    "ChatCompletionContentPartParam",
    "ChatCompletionContentPartRefusalParam",
    "ChatCompletionContentPartTextParam",
    "ChatCompletionDeveloperMessageParam",
    "ChatCompletionFunctionCallOptionParam",
    "ChatCompletionFunctionMessageParam",
    "ChatCompletionFunctionToolParam",
    "ChatCompletionMessageCustomToolCallParam",
    "ChatCompletionMessageFunctionToolCallParam",
    "ChatCompletionMessageParam",
    "ChatCompletionMessageToolCallParam",
    "ChatCompletionMessageToolCallUnionParam",
    "ChatCompletionNamedToolChoiceParam",
    "ChatCompletionSystemMessageParam",
    "ChatCompletionToolChoiceOptionParam",
    "ChatCompletionToolMessageParam",
    "ChatCompletionStreamOptionsParam",
    "ChatCompletionToolParam",
    "ChatCompletionToolUnionParam",
    "ChatCompletionUserMessageParam",
    "FunctionDefinition",
)
#: Defined in :mod:`sogni_compat.types._response_params`, exported by ``types.responses`` and
#: ``types``.
RESPONSE_PARAMS = (
    "EasyInputMessageParam",
    "FunctionToolParam",
    "ResponseFormatTextConfigParam",
    "ResponseFormatTextJSONSchemaConfigParam",
    "ResponseFunctionToolCallParam",
    "ResponseInputContentParam",
    "ResponseInputImageParam",
    "ResponseInputItemParam",
    "ResponseInputMessageContentListParam",
    "ResponseInputParam",
    "ResponseInputTextParam",
    "ResponseOutputMessageParam",
    "ResponseOutputRefusalParam",
    "ResponseOutputTextParam",
    "ResponseReasoningItemParam",
    "ResponseTextConfigParam",
    "ToolChoiceFunctionParam",
    "ToolChoiceOptions",
    "ToolParam",
)
