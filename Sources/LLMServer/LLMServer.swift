// LLMServer: see the module's files.
