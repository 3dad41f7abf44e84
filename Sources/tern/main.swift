print("tern: not yet")
