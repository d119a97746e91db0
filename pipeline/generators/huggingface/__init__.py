"""HuggingFace stage 0 (Shap-E / Point-E): the client, and its transports (Space, Endpoint, self-hosted)."""
