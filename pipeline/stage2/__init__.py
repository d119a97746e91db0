"""What every mesh goes through after a generator: load, repair, decimate, textures, scale, export
(GLB/glTF/OBJ/STL/PLY/FBX, USDZ), poster, quality score and preview page; `finish` runs them in order.

May import the vocabulary (pipeline.product, .result, .errors, .config, .metrics, .backends, .progress, .capped) and
pipeline.photos; never pipeline.generators, pipeline.jobs or pipeline.generate.
"""
