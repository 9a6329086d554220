print("muc-component")
