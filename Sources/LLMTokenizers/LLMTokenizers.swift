// LLMTokenizers: see the module's files.
