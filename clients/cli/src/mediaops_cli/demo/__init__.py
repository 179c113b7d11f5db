"""`mediaops seed-demo`: a demo workspace made through the API (`demo.command`)."""
