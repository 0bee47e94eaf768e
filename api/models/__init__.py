"""The API's request and response models, one module per resource.

A model's class name is its schema's name in the OpenAPI document and its docstring the
schema's description, so neither changes lightly. Class names are unique across the API
(``tests/api/test_openapi.py`` checks it): FastAPI would otherwise name the schemas after
their modules, and moving a model would rename its schema.
Types every router shares (wei, hashes, signatures, pages, problems) are in
:mod:`api.schemas`.
"""
