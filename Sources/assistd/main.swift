print("assistd")
