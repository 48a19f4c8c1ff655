"""Serializers of plonesocial's objects: ISerializeToJson adapters, for REST and export."""
