"""`logai mcp`: logai's read-only evidence tools served to any MCP client.

`calls` runs a client's tool calls through the same registry the chat agent
uses, with budgets per call and per server session; `prompt` holds the
`investigate` prompt; `server` adapts both to the official `mcp` SDK (stdio
and Streamable HTTP). Only `server` imports the SDK.
"""
