# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The demo story's last chapter: the published sales-process map.

The head of sales writes the map of how a lead becomes a customer, one step
per lifecycle state with its owner side, teams, criteria and SLA policy, in
English and Russian (:data:`MAP_STEPS`), publishes it, and the desk and
sales acknowledge it. Told by :meth:`PharmacyDemoStory._tell` of
``pharmacy_demo_story``, after the leads.
"""

from odoo import Command, api, models

from .pharmacy_demo_story import DEMO_LANG, X

#: The sales-process map, in English and Russian.
MAP_NAME = ("How a lead becomes a customer", "Как лид становится клиентом аптеки")
MAP_DESCRIPTION = (
    "How marketing and sales work with leads.",
    "Как маркетинг и продажи работают с лидами.",
)
#: translated fields of a step, in the order of the texts of MAP_STEPS
STEP_TEXT_FIELDS = ("name", "definition", "entry_criteria", "exit_criteria")
#: (lifecycle state, owner side, English texts, Russian texts); the desk owns
#: the marketing steps, both sales teams the sales steps
MAP_STEPS = [
    (
        "inquiry",
        "marketing",
        (
            "Inquiry",
            "The lead came from the website, by e-mail or by phone.",
            "Any new lead without a sales team.",
            "The lead is assessed: nurturing, MQL or disqualified.",
        ),
        (
            "Запрос",
            "Лид пришёл с сайта, по почте или звонку.",
            "Любой новый лид без команды продаж.",
            "Лид оценён: прогрев, MQL или дисквалификация.",
        ),
    ),
    (
        "nurturing",
        "marketing",
        (
            "Nurturing",
            "The lead receives the e-mails and calls of its track.",
            "Score below the MQL threshold.",
            "The score reached the threshold or the track ended.",
        ),
        (
            "Прогрев",
            "Лид получает письма и звонки трека.",
            "Балл ниже порога MQL.",
            "Балл достиг порога или трек завершён.",
        ),
    ),
    (
        "mql",
        "marketing",
        (
            "Marketing qualified",
            "The lead is ready to talk to sales.",
            "Score ≥ 50 and grade C or better.",
            "Handed off to a sales team.",
        ),
        (
            "Квалифицирован маркетингом",
            "Лид готов к разговору с продажами.",
            "Балл ≥ 50 и класс не ниже C.",
            "Передан в команду продаж.",
        ),
    ),
    (
        "handed_off",
        "sales",
        (
            "Handed off to sales",
            "Sales decide: accept or reject.",
            "Hand-off by the lead desk.",
            "Accepted, or rejected with a reason and a rating.",
        ),
        (
            "Передан в продажи",
            "Продажи решают: принять или отклонить.",
            "Передача лид-деском.",
            "Принят или отклонён с причиной и оценкой.",
        ),
    ),
    (
        "accepted",
        "sales",
        (
            "Accepted by sales",
            "The salesperson contacts the customer.",
            "The lead is accepted.",
            "First contact: a call, a meeting or an e-mail.",
        ),
        (
            "Принят продажами",
            "Продавец связывается с клиентом.",
            "Лид принят.",
            "Первый контакт: звонок, встреча или письмо.",
        ),
    ),
    (
        "opportunity",
        "sales",
        (
            "Opportunity",
            "Quotation and negotiation.",
            "The need is confirmed.",
            "Contract signed or deal lost.",
        ),
        (
            "Сделка",
            "Коммерческое предложение и переговоры.",
            "Потребность подтверждена.",
            "Договор подписан или сделка проиграна.",
        ),
    ),
    (
        "won",
        "sales",
        ("Won", "The customer signed a contract.", "Contract signed.", "—"),
        ("Выиграна", "Клиент заключил договор.", "Договор подписан.", "—"),
    ),
    (
        "lost",
        "sales",
        ("Lost", "The deal did not happen.", "A lost reason is given.", "—"),
        ("Проиграна", "Сделка не состоялась.", "Указана причина проигрыша.", "—"),
    ),
    (
        "disqualified",
        "marketing",
        (
            "Disqualified",
            "Spam, not our segment, duplicate.",
            "Decision of the lead desk or of sales.",
            "—",
        ),
        (
            "Дисквалифицирован",
            "Спам, не наш сегмент, дубль.",
            "Решение лид-деска или продаж.",
            "—",
        ),
    ),
]


class PharmacyDemoStory(models.AbstractModel):
    # one chapter of the story per file, on one model
    _inherit = "pharmacy.demo.story"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _process_map(self, company, head, desk, sales):
        """The published sales-process map, written in English and Russian
        (each reader gets it, and prints it, in their language)."""
        env = self.env(context=dict(self.env.context, lang="en_US"))
        policy = {
            "handed_off": env.ref(X + "sla_policy_response_demo"),
            "accepted": env.ref(X + "sla_policy_contact_demo"),
            "mql": env.ref(X + "sla_policy_volume_demo"),
        }
        teams_of_side = {
            "marketing": env.ref(X + "crm_team_desk_demo"),
            "sales": env.ref(X + "crm_team_clinics_demo")
            | env.ref(X + "crm_team_corporate_demo"),
        }
        pmap = (
            env["pharmacy.process.map"]
            .with_user(head)
            .create(
                {
                    "name": MAP_NAME[0],
                    "company_id": company.id,
                    "description": f"<p>{MAP_DESCRIPTION[0]}</p>",
                    "step_ids": [
                        Command.create(
                            {
                                "sequence": index,
                                "lifecycle_state": state,
                                "name": english[0],
                                "owner_side": side,
                                "team_ids": [Command.set(teams_of_side[side].ids)],
                                "definition": english[1],
                                "entry_criteria": english[2],
                                "exit_criteria": english[3],
                                "sla_policy_id": policy[state].id
                                if state in policy
                                else False,
                            }
                        )
                        for index, (state, side, english, _russian) in enumerate(
                            MAP_STEPS
                        )
                    ],
                }
            )
        )
        pmap.update_field_translations("name", {DEMO_LANG: MAP_NAME[1]})
        pmap.update_field_translations(
            "description", {DEMO_LANG: {MAP_DESCRIPTION[0]: MAP_DESCRIPTION[1]}}
        )
        for step, (_state, _side, _english, russian) in zip(
            pmap.step_ids, MAP_STEPS, strict=True
        ):
            for field, text in zip(STEP_TEXT_FIELDS, russian, strict=True):
                step.update_field_translations(field, {DEMO_LANG: text})
        pmap = pmap.with_context(lang=DEMO_LANG)  # the head publishes in Russian
        pmap.action_publish()
        for user in (desk, sales):
            pmap.with_user(user).action_acknowledge()
        return pmap
