// LLMCatalog: the catalog of bundled models and the pull command's implementation.
