print("scansion-run")
