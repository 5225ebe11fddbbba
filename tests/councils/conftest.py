from tests.ideas.conftest import Cycle, cycle, upload_dir  # noqa: F401 - shared fixtures of the citizen cycle
