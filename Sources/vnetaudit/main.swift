print("vnetaudit")
