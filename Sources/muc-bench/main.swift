print("muc-bench")
