from tests.ideas.conftest import upload_dir  # noqa: F401  (files go to a temporary folder)
