# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The demo database's story, told through the real flows.

Called once by the demo data (``data/pharmacy_lead_alignment_demo.xml``):
the demo users get Russian and the company its currency; the prospects
(:data:`PROSPECTS`) arrive at the desk, are scored, nurtured, qualified,
handed off, reviewed, won or lost exactly as users would do it, each along
its path of :data:`PLOT`; sales add leads they found themselves; then each
lead's timeline is moved back by its age in days (:meth:`_backdate`), so that
every date is relative to the day the demo database is created and the
dashboard, the SLA ledger and the funnel never look stale. The story ends
with the published sales-process map, its last chapter
(``pharmacy_demo_story_map``).
"""

import os
import shutil
import tempfile
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL, file_path
from odoo.tools.translate import TranslationImporter, load_language

X = "pharmacy_lead_alignment."

# (segment, name, contact, function, e-mail domain, campaign key)
PROSPECTS = [
    ("clinic", "Клиника «Медлайн»", "Ольга Соколова", "Главный врач", "medline"),
    ("clinic", "Клиника «Здоровая семья»", "Игорь Лебедев", "Заведующий", "zdsem"),
    ("clinic", "Стоматология «Улыбка»", "Наталья Козлова", "Закупки", "ulybka"),
    ("clinic", "Клиника «Доктор рядом»", "Павел Морозов", "Главный врач", "drr"),
    ("clinic", "Медцентр «Парацельс»", "Анна Волкова", "Директор", "paracels"),
    ("clinic", "Клиника «Вита»", "Денис Новиков", "Главный врач", "vita"),
    ("clinic", "Центр «Кардио+»", "Елена Фёдорова", "Закупки", "cardio"),
    ("clinic", "Клиника «Мать и дитя»", "Юлия Егорова", "Главный врач", "mid"),
    ("doctor", "Врач-терапевт Смирнов", "Алексей Смирнов", "Терапевт", "gmail"),
    ("doctor", "Врач-педиатр Орлова", "Мария Орлова", "Педиатр", "mail"),
    ("doctor", "Кардиолог Белов", "Виктор Белов", "Кардиолог", "yandex"),
    ("doctor", "Эндокринолог Зайцева", "Ирина Зайцева", "Эндокринолог", "mail"),
    ("doctor", "Невролог Киселёв", "Олег Киселёв", "Невролог", "gmail"),
    ("doctor", "Дерматолог Романова", "Светлана Романова", "Дерматолог", "ya"),
    ("corporate", "ООО «СтройИнвест»", "Андрей Попов", "Директор по персоналу", "si"),
    ("corporate", "АО «ТрансЛогистик»", "Ксения Васнецова", "Закупки", "tlog"),
    ("corporate", "ООО «Пекарня №1»", "Роман Титов", "Директор", "bakery"),
    ("corporate", "ПАО «ЭнергоСеть»", "Галина Крылова", "HR-директор", "energo"),
    ("corporate", "ООО «ИТ-Решения»", "Михаил Лазарев", "Офис-менеджер", "itr"),
    ("corporate", "Завод «Металлист»", "Сергей Гусев", "Директор по закупкам", "met"),
    ("corporate", "Банк «Северный»", "Татьяна Дмитриева", "HR-директор", "sever"),
    ("corporate", "Фитнес-клуб «Атлет»", "Артём Никитин", "Управляющий", "atlet"),
    ("franchise", "Франчайзи в Калуге", "Владимир Соловьёв", "Предприниматель", "gm"),
    ("franchise", "Франчайзи в Рязани", "Людмила Осипова", "Предприниматель", "ml"),
    ("franchise", "Франчайзи в Твери", "Константин Жуков", "Предприниматель", "ya"),
    ("franchise", "Франчайзи во Владимире", "Оксана Комарова", "Директор", "vl"),
    (
        "franchise",
        "Франчайзи в Ярославле",
        "Григорий Белоусов",
        "Предприниматель",
        "yr",
    ),
    ("care_home", "Пансионат «Забота»", "Вера Медведева", "Директор", "zabota"),
    ("care_home", "Дом ветеранов «Рассвет»", "Николай Ершов", "Директор", "rassvet"),
    ("care_home", "Пансионат «Тихая гавань»", "Любовь Данилова", "Завхоз", "gavan"),
    ("care_home", "Хоспис «Милосердие»", "Евгения Фролова", "Главный врач", "miloserd"),
    ("care_home", "Пансионат «Золотая осень»", "Степан Гаврилов", "Директор", "osen"),
    ("patient", "Пациент: доставка инсулина", "Лидия Антонова", False, "mail"),
    ("patient", "Пациент: лекарства для мамы", "Олег Карпов", False, "gmail"),
    ("patient", "Пациент: ортопедические товары", "Нина Сорокина", False, "ya"),
    ("patient", "Пациент: детское питание", "Дарья Королёва", False, "mail"),
    ("other", "Ветклиника «Айболит»", "Борис Широков", "Главный врач", "aibolit"),
    ("other", "Школа №15: аптечки", "Раиса Котова", "Завхоз", "school15"),
    ("clinic", "Клиника «Ортомед»", "Тимур Ахмедов", "Главный врач", "ortomed"),
    ("clinic", "Диагностический центр «Скан»", "Вера Полякова", "Закупки", "scan"),
    ("clinic", "Клиника «Эстетика»", "Инна Гришина", "Директор", "estetika"),
    ("clinic", "Медцентр «Линия жизни»", "Фёдор Борисов", "Главный врач", "liniya"),
    ("doctor", "Гинеколог Тарасова", "Елизавета Тарасова", "Гинеколог", "mail"),
    ("doctor", "Офтальмолог Кузьмин", "Артур Кузьмин", "Офтальмолог", "gmail"),
    ("doctor", "Педиатр Абрамова", "Полина Абрамова", "Педиатр", "ya"),
    ("corporate", "ООО «Агрохолдинг Юг»", "Вадим Чернов", "Закупки", "agro"),
    ("corporate", "Сеть кофеен «Зерно»", "Алина Миронова", "HR-менеджер", "zerno"),
    ("corporate", "ООО «Логистика Плюс»", "Руслан Хабибуллин", "Директор", "logplus"),
    ("corporate", "Гостиница «Волга»", "Марина Филиппова", "Управляющая", "volga"),
    ("franchise", "Франчайзи в Смоленске", "Егор Макаров", "Предприниматель", "sm"),
    ("franchise", "Франчайзи в Брянске", "Анастасия Павлова", "Предприниматель", "br"),
    ("care_home", "Пансионат «Берёзка»", "Зинаида Андреева", "Директор", "berezka"),
    ("care_home", "Реабилитационный центр «Опора»", "Глеб Сидоров", "Врач", "opora"),
    ("patient", "Пациент: препараты после операции", "Тамара Власова", False, "mail"),
    ("patient", "Пациент: витамины для детей", "Кирилл Баранов", False, "ya"),
    ("other", "Детский сад №8: аптечки", "Валентина Юдина", "Заведующая", "ds8"),
    ("other", "Спортивная школа «Олимп»", "Максим Рябов", "Директор", "olimp"),
    ("clinic", "Клиника «Семь докторов»", "Лариса Ефимова", "Главный врач", "sem"),
    ("corporate", "Типография «Печатный двор»", "Илья Громов", "Офис-менеджер", "pd"),
    ("doctor", "Хирург Семёнов", "Василий Семёнов", "Хирург", "gmail"),
    ("clinic", "Клиника «Добрый доктор»", "Софья Лукина", "Главный врач", "dd"),
]

#: What happens to each prospect, in order: (path, age in days, campaign).
#: Paths: inquiry, nurture, mql, handed (running clock), late (breached
#: clock), accepted, won, lost, recycled, returned, rejected (disqualified),
#: flagged, disqualified (by the desk), comeback (recycled, then won).
PLOT = [
    ("won", 75, "vaccines"),
    ("won", 62, "vaccines"),
    ("accepted", 9, "vaccines"),
    ("handed", 0, "vaccines"),
    ("mql", 1, "vaccines"),
    ("late", 3, "vaccines"),
    ("recycled", 20, "vaccines"),
    ("flagged", 30, "vaccines"),
    ("nurture", 12, "seminar"),
    ("won", 45, "seminar"),
    ("mql", 2, "seminar"),
    ("inquiry", 0, "seminar"),
    ("lost", 40, "seminar"),
    ("returned", 8, "seminar"),
    ("won", 55, "corporate"),
    ("accepted", 14, "corporate"),
    ("handed", 0, "corporate"),
    ("lost", 35, "corporate"),
    ("nurture", 18, "corporate"),
    ("won", 25, "corporate"),
    ("late", 4, "corporate"),
    ("inquiry", 1, "corporate"),
    ("nurture", 10, "franchise"),
    ("mql", 3, "franchise"),
    ("rejected", 16, "franchise"),
    ("won", 80, "franchise"),
    ("inquiry", 0, "franchise"),
    ("accepted", 6, False),
    ("nurture", 21, False),
    ("won", 33, False),
    ("flagged", 22, False),
    ("inquiry", 2, False),
    ("nurture", 7, "loyalty"),
    ("inquiry", 0, "loyalty"),
    ("disqualified", 11, "loyalty"),
    ("lost", 28, "loyalty"),
    ("disqualified", 5, False),
    ("nurture", 9, False),
    ("won", 70, "vaccines"),
    ("handed", 1, "vaccines"),
    ("lost", 50, "vaccines"),
    ("accepted", 4, "seminar"),
    ("nurture", 15, "seminar"),
    ("won", 38, "seminar"),
    ("inquiry", 0, "seminar"),
    ("won", 48, "corporate"),
    ("recycled", 26, "corporate"),
    ("late", 2, "corporate"),
    ("inquiry", 1, False),
    ("mql", 0, "franchise"),
    ("nurture", 24, "franchise"),
    ("won", 58, False),
    ("returned", 12, "vaccines"),
    ("inquiry", 0, "loyalty"),
    ("nurture", 5, "loyalty"),
    ("disqualified", 3, False),
    ("accepted", 2, "loyalty"),
    ("won", 20, "vaccines"),
    ("handed", 0, "corporate"),
    ("flagged", 17, "seminar"),
    ("comeback", 42, "seminar"),
]

#: campaign key -> (xmlid of the demo data, cost of this month and the two
#: before, in the company's currency)
CAMPAIGNS = {
    "vaccines": ("utm_campaign_vaccines_demo", (90000, 60000, 45000)),
    "seminar": ("utm_campaign_seminar_demo", (30000, 30000, 20000)),
    "corporate": ("utm_campaign_corporate_demo", (50000, 40000, 0)),
    "franchise": ("utm_campaign_franchise_demo", (70000, 0, 0)),
    "loyalty": ("utm_campaign_loyalty_demo", (15000, 15000, 15000)),
}

#: The language the demo users work in (the administrator keeps English).
DEMO_LANG = "ru_RU"


class PharmacyDemoStory(models.AbstractModel):
    _name = "pharmacy.demo.story"
    _description = "Lead Alignment Demo Story"

    @api.model
    def _load_language(self, code):
        """Activate ``code`` with the translations of every installed module,
        as *Settings › Languages › Add* does, and of this module's data, so
        that the story's notes name its tracks and rules in that language
        (Odoo loads them again, with the demo's own, once the demo is in)."""
        load_language(self.env.cr, code)
        self.env["ir.module.module"].search(
            [("name", "=", self._module), ("state", "in", ("to install", "to upgrade"))]
        )._update_translations([code])
        return True

    @api.model
    def _load_own_translations(self, code):
        """This module's translations of its demo records, once they exist.

        Odoo reads a ``.po`` file merged with the module's ``.pot``, which is
        exported without demo data: the demo's own terms would be dropped.
        They are read here from a copy of the file (no ``.pot`` beside it)
        and forced, the demo records being ``noupdate``."""
        importer = TranslationImporter(self.env.cr, verbose=False)
        for iso in dict.fromkeys((code, code.split("_")[0])):
            try:
                path = file_path(f"{self._module}/i18n/{iso}.po")
            except FileNotFoundError:
                continue
            with (
                tempfile.TemporaryDirectory() as folder,
                open(path, "rb") as source,
                open(os.path.join(folder, f"{iso}.po"), "w+b") as copy,
            ):
                shutil.copyfileobj(source, copy)
                copy.seek(0)
                importer.load(copy, "po", code)
        importer.save(overwrite=True, force_overwrite=True)
        return True

    @api.model
    def _set_company_currency(self, company_id, currency_id):
        """Activate the currency and make it the company's. Odoo refuses to
        change the currency of a company that has journal items (accounting
        installed and used): then the company keeps its own."""
        company = self.env["res.company"].browse(company_id)
        currency = self.env["res.currency"].with_context(active_test=False)
        currency = currency.browse(currency_id)
        currency.active = True
        if company.currency_id == currency:
            return True
        if "account.move.line" in self.env and self.env[
            "account.move.line"
        ].search_count([("company_id", "=", company.id)], limit=1):
            return True
        company.currency_id = currency
        return True

    @api.model
    def _build(self):
        # the desk, sales and the head work in Russian: what they write
        # (notes, activities) is in Russian, as it would be in real life
        return self.with_context(lang=DEMO_LANG)._tell()

    @api.model
    def _tell(self):
        env = self.env
        company = env.ref("base.main_company")
        desk = env.ref(X + "user_desk_demo")
        sales = env.ref(X + "user_sales_demo")
        sales_2 = env.ref(X + "user_sales_2_demo")
        head = env.ref(X + "user_head_demo")
        clinics = env.ref(X + "crm_team_clinics_demo")
        corporate = env.ref(X + "crm_team_corporate_demo")
        today = fields.Date.context_today(self)

        campaigns = self._campaigns(company, today)
        ages, leads_by_path = self._create_leads(desk, campaigns, today)
        team_of = {
            "clinic": clinics,
            "doctor": clinics,
            "care_home": clinics,
            "other": clinics,
            "patient": clinics,
            "corporate": corporate,
            "franchise": corporate,
        }
        rep_of = {clinics: sales, corporate: sales_2}

        def qualify(leads):
            todo = leads.filtered(lambda lead: lead.lifecycle_state != "mql")
            # below the lowest grade, the head qualifies, with her reason
            low = todo.filtered("below_qualify_grade")
            (todo - low).with_user(desk).action_qualify()
            if low:
                env.flush_all()  # see rep(): one request per user action
                low.with_user(head).action_qualify(
                    reason="Срочный запрос клиента: беру под свою ответственность"
                )

        def hand(leads):
            qualify(leads)
            for lead in leads:
                team = team_of[lead.pharmacy_segment]
                lead.with_user(desk).handoff_to(team.id, user_id=rep_of[team].id)

        def rep(lead):
            # each user's action is its own request in real life: what the
            # previous user left to recompute is flushed before
            env.flush_all()
            return lead.with_user(rep_of[lead.team_id])

        get = lambda path: leads_by_path.get(path, env["crm.lead"])  # noqa: E731
        qualify(get("mql"))
        get("nurture").filtered(lambda lead: lead.lifecycle_state == "inquiry").write(
            {"lifecycle_state": "nurturing"}
        )
        get("disqualified").with_user(desk).action_disqualify()
        hand(
            get("comeback")
            | get("handed")
            | get("late")
            | get("accepted")
            | get("won")
            | get("lost")
            | get("recycled")
            | get("returned")
            | get("rejected")
            | get("flagged")
        )
        for number, lead in enumerate(
            get("accepted") | get("won") | get("lost") | get("flagged")
        ):
            rep(lead).action_review_accept(
                rating=3 + number % 3,
                comment="Хороший контакт" if number % 2 else False,
            )
        for lead in get("won") | get("flagged")[:1]:
            rep(lead).convert_opportunity(lead.partner_id)
        for lead in get("won"):
            rep(lead).action_set_won()
        lost_reasons = [env.ref("crm.lost_reason_1"), env.ref("crm.lost_reason_2")]
        for number, lead in enumerate(get("lost")):
            rep(lead).action_set_lost(lost_reason_id=lost_reasons[number % 2].id)
        reason = lambda xmlid: env.ref(X + xmlid).id  # noqa: E731
        for lead in get("recycled"):
            rep(lead).action_review_reject(
                reason("feedback_reason_competitor"),
                2,
                comment="Контракт с конкурентом до весны",
                recycle_date=today + relativedelta(months=3),
            )
        for lead in get("comeback"):
            rep(lead).action_review_reject(
                reason("feedback_reason_no_budget"),
                3,
                comment="Бюджет со следующего месяца",
            )
            hand(lead)
            rep(lead).action_review_accept(rating=5, comment="Вернулись с бюджетом")
            rep(lead).action_set_won()
        for lead in get("returned"):
            rep(lead).action_review_reject(
                reason("feedback_reason_wrong_contact"),
                1,
                comment="Телефон не отвечает",
            )
        for lead in get("rejected"):
            rep(lead).action_review_reject(reason("feedback_reason_not_our_segment"), 2)
        for number, lead in enumerate(get("flagged")):
            lead.with_user(desk).action_flag_mishandled(
                reason(
                    "feedback_reason_no_contact_sla"
                    if number % 2 == 0
                    else "feedback_reason_never_followed_up"
                ),
                comment="Клиент жалуется, что ему не перезвонили",
            )

        ages.update(self._sales_sourced(sales, sales_2, clinics, corporate))
        self._backdate(ages)
        # the clocks of "late" leads ran out: the SLA action marks and escalates
        late = get("late")
        env.cr.execute(
            SQL(
                "UPDATE pharmacy_lead_sla SET deadline = now() at time zone 'UTC'"
                " - interval '2 hours' WHERE lead_id IN %s AND state = 'running'",
                tuple(late.ids),
            )
        )
        env["pharmacy.lead.sla"].invalidate_model()
        env["crm.lead"]._cron_check_sla()
        env["crm.lead"]._cron_run_nurture_steps()
        self._process_map(company, head, desk, sales)
        return True

    @api.model
    def _create_leads(self, desk, campaigns, today):
        """The prospects arrive at the desk, with consents and engagement;
        returns their ages and the leads of each path of :data:`PLOT`."""
        env = self.env
        Lead = env["crm.lead"].with_user(desk).with_context(mail_create_nolog=True)
        ages = {}
        leads_by_path = {}
        for number, ((segment, name, contact, function, domain), plot) in enumerate(
            zip(PROSPECTS, PLOT, strict=True)
        ):
            path, age, campaign = plot
            lead = Lead.create(
                {
                    "name": name,
                    "partner_name": name
                    if segment not in ("doctor", "patient")
                    else False,
                    "contact_name": contact,
                    "function": function,
                    "pharmacy_segment": segment,
                    "email_from": f"{domain}{number}@example.com",
                    "phone": f"+7 900 000-{number:02d}-{number:02d}"
                    if number % 3
                    else False,
                    "campaign_id": campaigns[campaign].id if campaign else False,
                    "source_id": env.ref(X + "utm_source_website_demo").id
                    if number % 2
                    else env.ref(X + "utm_source_yandex_demo").id,
                    "medium_id": env.ref("utm.utm_medium_email").id,
                    "expected_revenue": 20000 + 7500 * (number % 9),
                }
            )
            ages[lead.id] = age
            leads_by_path.setdefault(path, env["crm.lead"])
            leads_by_path[path] |= lead
            if segment in ("clinic", "doctor", "care_home") and number % 2 == 0:
                self._consent(lead, today - timedelta(days=age))
            if number % 3 == 0:
                lead.action_log_engagement(
                    "price_list_request",
                    today - timedelta(days=min(age, 20)),
                    "Прайс-лист с сайта",
                )
            if segment == "doctor":
                lead.action_log_engagement(
                    "seminar_attended",
                    today - timedelta(days=min(age, 10)),
                    "Семинар для врачей",
                )

        return ages, leads_by_path

    @api.model
    def _sales_sourced(self, sales, sales_2, clinics, corporate):
        """Leads sales found themselves: they start accepted, counted apart."""
        ages = {}
        for age, (user, team, name, won) in enumerate(
            [
                (sales, clinics, "Клиника «Панацея»: допзаказ", True),
                (sales, clinics, "Врач Лаптев: рекомендация коллеги", False),
                (sales_2, corporate, "ООО «Вектор»: аптечки по знакомству", True),
                (sales_2, corporate, "Франчайзи в Пскове: звонок", False),
            ],
            start=10,
        ):
            self.env.flush_all()  # see _build: one request per user action
            lead = (
                self.env["crm.lead"]
                .with_user(user)
                .create(
                    {
                        "name": name,
                        "team_id": team.id,
                        "user_id": user.id,
                        "expected_revenue": 30000 + 1000 * age,
                    }
                )
            )
            if won:
                lead.with_user(user).action_set_won()
            ages[lead.id] = age * 3
        return ages

    @api.model
    def _campaigns(self, company, today):
        Cost = self.env["pharmacy.marketing.cost"]
        result = {}
        month = today.replace(day=1)
        for key, (xmlid, amounts) in CAMPAIGNS.items():
            campaign = self.env.ref(X + xmlid)
            Cost.create(
                [
                    {
                        "campaign_id": campaign.id,
                        "company_id": company.id,
                        "date": month - relativedelta(months=index),
                        "amount": amount,
                        "name": "Бюджет на месяц",
                    }
                    for index, amount in enumerate(amounts)
                    if amount
                ]
            )
            result[key] = campaign
        return result

    @api.model
    def _consent(self, lead, day):
        self.env["pharmacy.lead.consent"].create(
            [
                {
                    "lead_id": lead.id,
                    "kind": kind,
                    "given_on": day,
                    "source": "web_form",
                    "document_ref": f"Форма на сайте №{lead.id}",
                }
                for kind in ("processing", "marketing")
            ]
        )

    @api.model
    def _backdate(self, ages):
        """Move each lead's timeline back by its age in days, its steps spread
        over that time: a lead created ``age`` days ago reached its k-th of n
        states ``age × (1 − k / n)`` days ago. Clocks and reviews move with
        the step they belong to."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            SQL(
                "SELECT lead_id, id, date FROM pharmacy_lead_event"
                " WHERE lead_id IN %s ORDER BY lead_id, date, id",
                tuple(ages),
            )
        )
        steps = defaultdict(list)
        for lead_id, event_id, date in cr.fetchall():
            steps[lead_id].append((date, event_id))
        event_shift = {}
        for lead_id, events in steps.items():
            for index, (_date, event_id) in enumerate(events):
                event_shift[event_id] = ages[lead_id] * (1 - index / len(events))

        def shift_at(lead_id, when):
            """The shift of the last step of the lead at or before ``when``."""
            shift = ages[lead_id]
            for date, event_id in steps.get(lead_id, ()):
                if date <= when:
                    shift = event_shift[event_id]
            return shift

        def move(table, column_sets, rows):
            if not rows:
                return
            values = SQL(", ").join(SQL("(%s, %s)", key, days) for key, days in rows)
            for key_column, columns in column_sets:
                assignments = SQL(", ").join(
                    SQL(
                        "%s = %s - age.days * interval '1 day'",
                        SQL.identifier(column),
                        SQL.identifier(column),
                    )
                    for column in columns
                )
                cr.execute(
                    SQL(
                        "UPDATE %s AS t SET %s FROM (VALUES %s) AS age(key, days)"
                        " WHERE t.%s = age.key",
                        SQL.identifier(table),
                        assignments,
                        values,
                        SQL.identifier(key_column),
                    )
                )

        cr.execute(
            SQL(
                "SELECT id, lead_id, start FROM pharmacy_lead_sla WHERE lead_id IN %s",
                tuple(ages),
            )
        )
        clocks = [(cid, shift_at(lid, start)) for cid, lid, start in cr.fetchall()]
        cr.execute(
            SQL(
                "SELECT id, lead_id, date FROM pharmacy_lead_feedback"
                " WHERE lead_id IN %s",
                tuple(ages),
            )
        )
        reviews = [(rid, shift_at(lid, date)) for rid, lid, date in cr.fetchall()]
        last_step = {
            lead_id: event_shift[events[-1][1]] for lead_id, events in steps.items()
        }
        move("pharmacy_lead_event", [("id", ("date",))], list(event_shift.items()))
        move(
            "pharmacy_lead_sla", [("id", ("start", "deadline", "reached_date"))], clocks
        )
        move("pharmacy_lead_feedback", [("id", ("date",))], reviews)
        move("crm_lead", [("id", ("create_date", "date_open"))], list(ages.items()))
        move(
            "crm_lead",
            [("id", ("date_closed", "date_last_stage_update"))],
            list(last_step.items()),
        )
        self.env.invalidate_all()
