// CandorYAML: see the module's files.
