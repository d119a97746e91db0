"""Every way to get a mesh: the offline local generator, HuggingFace stage 0, Tripo3D stage 1, the
hybrid orchestration that chains them, the hints analysis, and their content cache and Redis semaphore.

May import the vocabulary (pipeline.product, .result, .errors, .config, .metrics, .backends, .progress, .capped),
pipeline.photos and pipeline.stage2; never pipeline.jobs or pipeline.generate.
"""
