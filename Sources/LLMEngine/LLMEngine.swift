// LLMEngine: see the module's files.
