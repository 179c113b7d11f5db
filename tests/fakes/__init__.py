"""Contract-faithful fakes of the platforms that cannot be reached from here (WeChat,
Weibo), as FastAPI apps: used by the tests over real HTTP, and startable for demos with
`scripts/run_fake.py`. They follow /work/shared/PLATFORMS.md, error codes included."""
