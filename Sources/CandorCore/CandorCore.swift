// CandorCore: see the module's files.
