"""Letters to many families at once: the batch and its background job."""
