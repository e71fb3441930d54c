from logai.cli import main

main()
