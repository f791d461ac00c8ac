"""Long work off the request (issue 25): the runner that claims and runs each kind of background job."""
