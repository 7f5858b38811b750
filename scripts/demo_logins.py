#!/usr/bin/env python3
"""Print the logins of a demo database, for scripts/demo.

Lists Odoo's administrator and every active user that the given module's data
defines, one per line as ``login / password  (name; language, where they
start)``. The demo data gives every user its login as password (the
administrator's is ``admin``) and, to those who work in Russian, their
language and their home action.

Usage: demo_logins.py DB MODULE HOST PORT USER
"""

import sys

import psycopg2

QUERY = """
    SELECT u.login, p.name, d.module = 'base', p.lang, a.name->>'en_US'
      FROM ir_model_data d
      JOIN res_users u ON u.id = d.res_id
      JOIN res_partner p ON p.id = u.partner_id
      LEFT JOIN ir_actions a ON a.id = u.action_id
     WHERE d.model = 'res.users' AND u.active
       AND (d.module = %s OR (d.module = 'base' AND d.name = 'user_admin'))
     ORDER BY d.module = 'base' DESC, d.id
"""


def main(argv):
    db, module, host, port, user = argv
    conn = psycopg2.connect(dbname=db, host=host, port=port, user=user)
    try:
        with conn.cursor() as cr:
            cr.execute(QUERY, [module])
            rows = cr.fetchall()
    finally:
        conn.close()
    for login, name, is_admin, lang, home in rows:
        who = "Odoo's demo administrator" if is_admin else name
        print(f"    {login} / {login}  ({who}; {lang}, starts in {home or 'Discuss'})")


if __name__ == "__main__":
    main(sys.argv[1:])
