// LLMKernels: see the module's files.
