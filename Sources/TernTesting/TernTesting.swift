// Test support for Tern: fault-injecting file system, seeded randomness, models.
