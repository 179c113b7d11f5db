from gateway.admin import main

main()
