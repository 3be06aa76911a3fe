// LLMGGUF: see the module's files.
