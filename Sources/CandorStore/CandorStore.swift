// CandorStore: see the module's files.
