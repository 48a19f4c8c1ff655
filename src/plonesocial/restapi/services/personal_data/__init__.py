"""@personal-data: a person's export of their own data; an administrator's erase of a user's."""
