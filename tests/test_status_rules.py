"""Every rule of shared/statuses.md, table-driven, in many languages (rules only, no model)."""

from datetime import UTC, datetime, timedelta

import pytest

from config.settings import TIME_RULES
from jobs.tracking.classify import classify
from jobs.tracking.events import Event
from jobs.tracking.phrases import load_phrases, normalize
from jobs.tracking.reading import rules_only_reader

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def one(text):
    result = classify(
        events=[Event(NOW - timedelta(hours=1), text)],
        now=NOW,
        settings=TIME_RULES,
        reader=rules_only_reader(),
    )
    return result.status, result.reason


def history(*texts):
    events = [Event(NOW - timedelta(days=len(texts) - i), t) for i, t in enumerate(texts)]
    return classify(events=events, now=NOW, settings=TIME_RULES, reader=rules_only_reader())


MISLEADING = [
    # delivered to / left at / available at a pick-up point, parcel shop, locker -> pick up
    ("Delivered to UPS Access Point", "pick_up", "awaiting_collection"),
    ("Delivered to the pick-up point", "pick_up", "awaiting_collection"),
    ("Delivered to parcel locker", "pick_up", "awaiting_collection"),
    ("Left at parcel shop", "pick_up", "awaiting_collection"),
    ("Ihre Sendung wurde an eine Packstation zugestellt", "pick_up", "awaiting_collection"),
    ("Votre colis est livré en point relais", "pick_up", "awaiting_collection"),
    ("Bezorgd bij PostNL-punt", "pick_up", "awaiting_collection"),
    ("Levererad till ombud", "pick_up", "awaiting_collection"),
    ("Przesyłka doręczona do paczkomatu", "pick_up", "awaiting_collection"),
    ("Zásilka byla doručena na výdejní místo", "pick_up", "awaiting_collection"),
    ("Доставлено в пункт выдачи", "pick_up", "awaiting_collection"),
    ("已放入快递柜", "pick_up", "awaiting_collection"),
    ("편의점에 배송완료", "pick_up", "awaiting_collection"),
    # collected / picked up by the recipient -> delivered; "picked up" alone -> info received
    ("Picked up by recipient", "delivered", "delivered"),
    ("Parcel collected by the customer from the locker", "delivered", "delivered"),
    ("Der Empfänger hat die Sendung aus der Packstation abgeholt", "delivered", "delivered"),
    ("Odebrana przez adresata", "delivered", "delivered"),
    ("Retiré par le destinataire", "delivered", "delivered"),
    ("Picked up", "in_transit", "info_received"),
    ("Shipment picked up", "in_transit", "info_received"),
    # delivered back to the sender -> returned to sender
    ("Delivered back to sender", "returned", "returned_to_sender"),
    ("Returned to shipper", "returned", "returned_to_sender"),
    ("Zurück an Absender zugestellt", "returned", "returned_to_sender"),
    ("반송완료", "returned", "returned_to_sender"),
    # future or expected wording: never delivered
    ("Will be delivered today", "pick_up", "out_for_delivery"),
    ("Expected to be delivered during the day", "in_transit", "in_transit"),
    ("Scheduled for delivery", "in_transit", "in_transit"),
    ("Expected to be delivered tomorrow", "in_transit", "in_transit"),
    ("Die Sendung wird heute zugestellt", "pick_up", "out_for_delivery"),
    ("Zostanie doręczona jutro", "in_transit", "in_transit"),
    ("Будет доставлено завтра", "in_transit", "in_transit"),
    # delivered with damage -> alert damaged
    ("Delivered, damaged", "alert", "damaged"),
    ("Zugestellt, Sendung beschädigt", "alert", "damaged"),
    ("Doręczono - przesyłka uszkodzona", "alert", "damaged"),
    # final notice -> collection deadline near
    (
        "Final notice: item will be returned to sender if not collected",
        "pick_up",
        "collection_deadline_near",
    ),
    ("Dernier avis : votre colis vous attend", "pick_up", "collection_deadline_near"),
    ("Powtórne awizo", "pick_up", "collection_deadline_near"),
]

ADDRESS_FAULTS = [
    # established by the carrier: will not be delivered without a correction -> alert
    ("Addressee unknown", "alert", "wrong_address"),
    ("Moved, left no address", "alert", "wrong_address"),
    ("Insufficient address", "alert", "wrong_address"),
    ("No such number", "alert", "wrong_address"),
    ("Undeliverable as addressed", "alert", "wrong_address"),
    ("Empfänger unbekannt verzogen", "alert", "wrong_address"),
    ("Destinataire inconnu à l'adresse", "alert", "wrong_address"),
    ("Adresat wyprowadził się", "alert", "wrong_address"),
    ("Адресат выбыл", "alert", "wrong_address"),
    ("宛先不明", "alert", "wrong_address"),
    ("Alamat tidak lengkap", "alert", "wrong_address"),
    # the courier did not find it on a round, another attempt to come -> undelivered
    ("Address not found, we will try again tomorrow", "undelivered", "address_not_found"),
    ("Courier could not locate address", "undelivered", "address_not_found"),
    ("Adres bulunamadı", "undelivered", "address_not_found"),
    # already going back -> returned, bad address
    ("Return to sender - insufficient address", "returned", "returned_bad_address"),
    ("Returned: addressee unknown", "returned", "returned_bad_address"),
]

LANGUAGES = [
    ("sv", "Försändelsen är levererad", "delivered"),
    ("da", "Pakken er leveret", "delivered"),
    ("no", "Sendingen er levert", "delivered"),
    ("fi", "Lähetys on toimitettu vastaanottajalle", "delivered"),
    ("pl", "Przesyłka doręczona", "delivered"),
    ("cs", "Zásilka doručena", "delivered"),
    ("uk", "Доставлено", "delivered"),
    ("ru", "Вручено адресату", "delivered"),
    ("tr", "Gönderi teslim edildi", "delivered"),
    ("ko", "배송완료", "delivered"),
    ("ar", "تم التسليم", "delivered"),
    ("he", "החבילה נמסרה", "delivered"),
    ("el", "Παραδόθηκε", "delivered"),
    ("ro", "Coletul a fost livrat", "delivered"),
    ("hu", "Kézbesítve", "delivered"),
    ("th", "นำจ่ายสำเร็จ", "delivered"),
    ("vi", "Giao hàng thành công", "delivered"),
    ("id", "Paket telah diterima oleh BUDI", "delivered"),
    ("sv", "Ute för utkörning", "pick_up"),
    ("pl", "Wydano do doręczenia", "pick_up"),
    ("ru", "Передано курьеру", "pick_up"),
    ("tr", "Dağıtıma çıkarıldı", "pick_up"),
    ("ko", "배송출발", "pick_up"),
    ("th", "อยู่ระหว่างการนำจ่าย", "pick_up"),
    ("vi", "Đang giao hàng", "pick_up"),
    ("fi", "Noudettavissa", "pick_up"),
    ("cs", "Zásilka je připravena k vyzvednutí", "pick_up"),
    ("uk", "Прибуло у відділення", "pick_up"),
    ("hu", "Csomagautomatában átvehető", "pick_up"),
    ("pl", "Zwrot do nadawcy", "returned"),
    ("ru", "Возврат отправителю", "returned"),
    ("tr", "Göndericiye iade", "returned"),
    ("el", "Επιστροφή στον αποστολέα", "returned"),
    ("ko", "수취인 부재", "undelivered"),
    ("ro", "Livrare eșuată", "undelivered"),
    ("id", "Gagal kirim", "undelivered"),
    ("he", "ניסיון מסירה", "undelivered"),
    ("ar", "تعذر التسليم", "undelivered"),
    ("da", "Forsinket", "in_transit"),
    ("hu", "A csomag megsérült", "alert"),
    ("vi", "Thất lạc", "alert"),
    ("pl", "Przesyłka w sortowni", "in_transit"),
    ("ru", "Покинуло сортировочный центр", "in_transit"),
    ("th", "ออกจากศูนย์คัดแยก", "in_transit"),
    ("el", "Σε μεταφορά", "in_transit"),
    ("no", "Fortollet", "in_transit"),
]

NEGATIONS = [
    ("Nie doręczono", "undelivered"),
    ("Не доставлено", "undelivered"),
    ("Zásilka nebyla doručena", "undelivered"),
    ("Nu a fost livrat", "undelivered"),
    ("Δεν παραδόθηκε", "undelivered"),
    ("לא נמסר", "undelivered"),
    ("Giao hàng không thành công", "undelivered"),
    ("นำจ่ายไม่สำเร็จ", "undelivered"),
    ("Teslim edilemedi", "undelivered"),
    ("Ikke leveret", "undelivered"),
]

VOCABULARIES = [
    # UPU EMSEVT event names and codes, USPS, UPS, Royal Mail, PostNL, Correios, Japan Post,
    # kuaidi100 / kdniao states
    ("EMA Posting/collection", "in_transit"),
    ("EMI - Final delivery", "delivered"),
    ("EMH Attempted/unsuccessful delivery", "undelivered"),
    ("EDH Item arrived at collection point for pick-up", "pick_up"),
    ("Arrival at Unit", "in_transit"),
    ("Vacant", "alert"),
    ("Forward Expired", "alert"),
    ("Origin Scan", "in_transit"),
    ("We've got it", "in_transit"),
    ("We tried to deliver your item", "undelivered"),
    ("Zending is bezorgd", "delivered"),
    ("Objeto saiu para entrega ao destinatário", "pick_up"),
    ("Objeto entregue ao destinatário", "delivered"),
    ("Objeto aguardando retirada no endereço indicado", "pick_up"),
    ("Carteiro não atendido", "undelivered"),
    ("引受", "in_transit"),
    ("お届け先にお届け済み", "delivered"),
    ("ご不在のため持ち戻り", "undelivered"),
    ("揽收", "in_transit"),
    ("派件中", "pick_up"),
    ("已签收", "delivered"),
    ("退签", "returned"),
    ("拒签", "undelivered"),
]


@pytest.mark.parametrize(("text", "status", "reason"), MISLEADING + ADDRESS_FAULTS)
def test_misleading_wording_and_address_faults(text, status, reason):
    assert one(text) == (status, reason)


@pytest.mark.parametrize(("lang", "text", "status"), LANGUAGES)
def test_the_new_languages_are_read(lang, text, status):
    assert one(text)[0] == status, lang


@pytest.mark.parametrize(("text", "status"), NEGATIONS)
def test_negated_delivery_is_a_failed_attempt(text, status):
    assert one(text)[0] == status


@pytest.mark.parametrize(("text", "status"), VOCABULARIES)
def test_carrier_code_vocabularies(text, status):
    assert one(text)[0] == status


def test_events_none_understood_are_in_transit_inferred_never_not_found():
    result = history("Zxqv blorp 17", "Wibble frob 9")
    assert (result.status, result.reason, result.inferred) == ("in_transit", "in_transit", True)
    assert result.decided_by == "unrecognised"
    assert result.deciding_event.text == "Wibble frob 9"  # the carrier's own latest text


@pytest.mark.parametrize(
    ("texts", "reason"),
    [
        (("No tracking information available yet for this number",), "not_yet_scanned"),
        (("Invalid tracking",), "invalid_number"),
        (("Ogiltig spårning", "Tracking number not found"), "number_expired"),
        (("该单号暂无跟踪信息",), "not_yet_scanned"),
    ],
)
def test_only_no_tracking_messages_is_still_not_found(texts, reason):
    # statuses.md: not_found means no tracking information can be had for the number; a
    # provider's or carrier's message saying so is no scan, so it proves nothing exists
    result = history(*texts)
    assert (result.status, result.reason, result.inferred) == ("not_found", reason, False)
    assert result.deciding_event is None


def test_no_tracking_message_among_real_scans_counts_for_nothing():
    result = history("No tracking information available yet", "Arrived at sort facility")
    assert (result.status, result.inferred) == ("in_transit", False)
    mixed = history("Invalid tracking", "Zxqv blorp 17")  # unread wording is still a scan
    assert (mixed.status, mixed.inferred) == ("in_transit", True)


def test_understood_status_is_not_marked_inferred():
    result = history("Zxqv blorp", "Delivered")
    assert (result.status, result.inferred, result.decided_by) == ("delivered", False, "rule")


def test_no_events_is_still_not_found():
    result = classify(events=[], now=NOW, settings=TIME_RULES, reader=rules_only_reader())
    assert (result.status, result.reason, result.inferred) == (
        "not_found",
        "not_yet_scanned",
        False,
    )


def test_picked_up_early_in_a_history_is_the_courier_collecting():
    result = history("Picked up", "Arrived at facility")
    assert (result.status, result.reason) == ("in_transit", "in_transit")
    assert (history("Picked up").status, history("Picked up").reason) == (
        "in_transit",
        "info_received",
    )


def test_latest_state_rules_still_hold_with_new_languages():
    assert history("Przesyłka doręczona", "Zwrot do nadawcy").status == "returned"
    assert history("Zatrzymana przez służbę celną", "Odprawiona").reason == "customs_cleared"


def test_merchant_rule_decides_before_everything():
    rules = {normalize("Zxqv blorp"): ("delivered", "signed")}
    result = classify(
        events=[Event(NOW, "Zxqv blorp", code="Delivered")],
        now=NOW,
        settings=TIME_RULES,
        reader=rules_only_reader(),
        merchant_rules=rules,
    )
    assert (result.status, result.reason, result.decided_by, result.inferred) == (
        "delivered",
        "signed",
        "merchant",
        False,
    )


@pytest.mark.parametrize(
    ("phrase", "text", "matches"),
    [
        ("doręcz*", "Przesyłka doręczona", True),
        ("doręcz*", "Przesyłka niedoręczona", False),  # a stem still starts at a word boundary
        ("przyjęt* do realizacji", "Przyjęta do realizacji", True),
        ("вручен*", "Вручение адресату", True),
        ("вручен*", "Невручено", False),
        ("נמסר", "החבילה נמסרה ללקוח", True),  # Hebrew and Arabic glue prefixes: substring
        ("นำจ่าย", "อยู่ระหว่างการนำจ่าย", True),  # Thai has no spaces
        ("mail", "Email sent", False),  # Latin: whole words
    ],
)
def test_stems_and_word_boundaries_by_script(phrase, text, matches, tmp_path):
    path = tmp_path / "phrases.json"
    path.write_text(
        '{"rules": [{"status": "alert", "reason": "lost", "priority": 1, "phrases": {"x": ["'
        + phrase
        + '"]}}]}',
        encoding="utf-8",
    )
    assert (load_phrases(path).match(text) is not None) == matches


def test_a_too_short_stem_is_refused(tmp_path):
    from jobs.tracking.taxonomy import RuleFileError

    path = tmp_path / "phrases.json"
    path.write_text(
        '{"rules": [{"status": "alert", "reason": "lost", "priority": 1, '
        '"phrases": {"x": ["ab*"]}}]}',
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError, match="stem"):
        load_phrases(path)


def test_rule_tables_cover_25_languages():
    import json
    from pathlib import Path

    data = json.loads(Path("config/phrases.json").read_text(encoding="utf-8"))
    languages = {lang for group in data["rules"] for lang in group.get("phrases", {})}
    required = set(
        "en de fr es it nl pt zh ja sv da no fi pl cs uk ru tr ko ar he el ro hu th vi id".split()
    )
    assert required <= languages
