#!/usr/bin/env python3
"""Print the logins of a demo database, for scripts/demo.

Lists Odoo's administrator and every active user that the given module's data
defines, one per line as ``login / password  (name)``. A password is printed
only when it is verified against the stored hash to equal the login (the demo
data's convention; the administrator's is ``admin``).

Usage: demo_logins.py DB MODULE HOST PORT USER
"""

import sys

import psycopg2
from passlib.context import CryptContext

QUERY = """
    SELECT u.login, u.password, p.name, d.module = 'base'
      FROM ir_model_data d
      JOIN res_users u ON u.id = d.res_id
      JOIN res_partner p ON p.id = u.partner_id
     WHERE d.model = 'res.users' AND u.active
       AND (d.module = %s OR (d.module = 'base' AND d.name = 'user_admin'))
     ORDER BY d.module = 'base' DESC, d.id
"""


def main(argv):
    db, module, host, port, user = argv
    ctx = CryptContext(["pbkdf2_sha512", "plaintext"], deprecated=["plaintext"])
    conn = psycopg2.connect(dbname=db, host=host, port=port, user=user)
    try:
        with conn.cursor() as cr:
            cr.execute(QUERY, [module])
            rows = cr.fetchall()
    finally:
        conn.close()
    for login, hashed, name, is_admin in rows:
        try:
            known = bool(hashed) and ctx.verify(login, hashed)
        except ValueError:
            known = False
        password = login if known else "(password set in the demo data)"
        who = "Odoo's demo administrator" if is_admin else name
        print(f"    {login} / {password}  ({who})")


if __name__ == "__main__":
    main(sys.argv[1:])
