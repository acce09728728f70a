"""Code the benchmark loads into the server's processes (``sitecustomize``); nothing else imports it."""
