"""gunicorn reads this file from the working directory: the Procfile, the Docker image, compose
and `make bench` all serve with it.

Threaded workers keep telling the arbiter they are alive while a request runs, so a long
streamed download (the CSV export of a large registry) is not killed at ``--timeout``, and one
such download does not hold a whole worker process.
"""

worker_class = "gthread"
threads = 4
