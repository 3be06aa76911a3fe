// CandorTargets: see the module's files.
