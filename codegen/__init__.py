"""Generate typed attrs models from OData CSDL metadata."""
