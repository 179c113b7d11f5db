from mediaops_cli import main

main()
