// CandorScheduler: see the module's files.
