"""The API's request and response models, one module per resource.

A model's class name is its schema's name in the OpenAPI document and its docstring the
schema's description, so neither changes lightly. Where two models share a class name,
FastAPI names each schema after its module instead; ``api.app.PUBLISHED_SCHEMA_NAMES`` keeps
the names those schemas were published under, so moving such a model changes nothing.
Types every router shares (wei, hashes, signatures, pages, problems) are in
:mod:`api.schemas`.
"""
