"""Local HTTP servers on 127.0.0.1 that speak Tripo3D's and HuggingFace's documented protocols."""
