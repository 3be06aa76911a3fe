// CandorClassifiers: see the module's files.
