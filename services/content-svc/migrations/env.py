from content_svc.models import Base
from servicekit.migrations import run_env

run_env(Base.metadata)
