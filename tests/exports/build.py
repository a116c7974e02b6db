"""Write the export fixtures of this folder (run: .venv/bin/python -m tests.exports.build).

Each file follows the column layout of a real export (sources in README.md) with rows made up
for the test: valid tracking numbers, the junk merchants' files really hold, and the date,
country and email forms of each tool. The expected results are in expected.json.
"""

import csv
import io
import shutil
import subprocess
import tempfile
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_csv(name, rows, delimiter=",", encoding="utf-8", bom=False):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    (HERE / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


EBAY_HEADER = [
    "Sales Record Number", "Order Number", "Buyer Username", "Buyer Name", "Buyer Email",
    "Buyer Note", "Buyer Address 1", "Buyer Address 2", "Buyer City", "Buyer State", "Buyer Zip",
    "Buyer Country", "Ship To Name", "Ship To Phone", "Ship To Address 1", "Ship To Address 2",
    "Ship To City", "Ship To State", "Ship To Zip", "Ship To Country", "Item Number",
    "Item Title", "Custom Label", "Quantity", "Sold For", "Shipping And Handling",
    "Total Price", "Payment Method", "Sale Date", "Paid On Date", "Ship By Date",
    "Shipped On Date", "Feedback Left", "Feedback Received", "My Item Note",
    "PayPal Transaction ID", "Shipping Service", "Tracking Number", "Transaction ID",
    "Variation Details", "Global Shipping Program", "Global Shipping Reference ID",
]  # fmt: skip


def ebay_row(record, order, user, name, email, country, shipped, number, service="USPS"):
    row = dict.fromkeys(EBAY_HEADER, "")
    row.update({
        "Sales Record Number": record, "Order Number": order, "Buyer Username": user,
        "Buyer Name": name.upper(), "Buyer Email": email, "Buyer Country": country,
        "Ship To Name": name, "Ship To Phone": "+1 555 0100", "Ship To Country": country,
        "Item Number": "125678901234", "Item Title": "Vintage lamp", "Quantity": "1",
        "Sold For": "$24.99", "Shipping And Handling": "$5.00", "Total Price": "$29.99",
        "Payment Method": "eBay Managed Payments", "Sale Date": "Mar-01-25",
        "Paid On Date": "Mar-01-25", "Shipped On Date": shipped, "Shipping Service": service,
        "Tracking Number": number, "Transaction ID": "2345678901",
    })  # fmt: skip
    return [row[h] for h in EBAY_HEADER]


def ebay():
    write_csv("ebay_orders_report.csv", [
        EBAY_HEADER,
        [""] * len(EBAY_HEADER),  # eBay leaves an empty line under the header
        ebay_row("1001", "12-11111-11111", "annshop", "Ann Archer", "ann@shop.test",
                 "United States", "Mar-04-25", "9400111206206406260787"),
        ebay_row("1002", "12-22222-22222", "bobb", "Bob Baker", "bob@shop.test",
                 "United States", "Mar-05-25", "TBD"),
        ebay_row("1003", "12-33333-33333", "cyc", "Cy Cole", "cy@shop.test",
                 "Canada", "Mar-05-25", "0073938000549297", "Canada Post"),
        ["", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
         "", "", "", "", "", "", "$59.98"] + [""] * 15,  # the totals line under the orders
        ["3 record(s) downloaded, from 03/01/2025 to 03/05/2025"],
        ["Seller ID : annshop-seller"],
    ], bom=True)  # fmt: skip


# eBay.de's names where public code reading the German report quotes them (Verkaufsprotokollnummer,
# Bestellnummer, Nutzername/Name des Käufers, Artikelnummer, Angebotstitel, Anzahl, Verkauft für,
# Verpackung und Versand, Gesamtbetrag, Verkauft am, Verschickt am - Datum); the rest translated.
EBAY_DE_HEADER = [
    "Verkaufsprotokollnummer", "Bestellnummer", "Nutzername des Käufers", "Name des Käufers",
    "E-Mail des Käufers", "Versand an Name", "Versand an Telefon", "Versand an Adresse 1",
    "Versand an Ort", "Versand an PLZ", "Versand an Land", "Artikelnummer", "Angebotstitel",
    "Anzahl", "Verkauft für", "Verpackung und Versand", "Gesamtbetrag", "Verkauft am",
    "Verschickt am - Datum", "Versandservice", "Sendungsnummer",
]  # fmt: skip


def ebay_de():
    rows = [
        [],  # the German report starts with an empty line (readers skip one row)
        EBAY_DE_HEADER,
        ["2001", "05-12345-67890", "mueller_k", "K. Müller", "k.mueller@shop.test",
         "Klara Müller", "030 1234567", "Hauptstr. 1", "Berlin", "10115", "Deutschland",
         "334455667788", "Kaffeemühle", "1", "24,99 €", "4,99 €", "29,98 €", "01-Mär-25",
         "04-Mär-25", "DHL Paket", "00340434161094010006"],
        ["2002", "05-22345-67890", "jo_s", "J. Schulz", "jo@shop.test", "Jonas Schulz",
         "", "Ringweg 2", "Wien", "1010", "Österreich", "334455667789", "Teekanne", "1",
         "19,90 €", "0,00 €", "19,90 €", "25-Feb-25", "26-Feb-25", "Deutsche Post",
         "RR987654326DE"],
        ["2003", "05-32345-67890", "lena", "L. Becker", "lena@shop.test", "Lena Becker", "",
         "Am Markt 3", "Hamburg", "20095", "Deutschland", "334455667790", "Becher", "2",
         "9,80 €", "4,99 €", "24,59 €", "03-Mär-25", "", "", "ohne Sendungsnummer"],
    ]  # fmt: skip
    write_csv("ebay_de_bestellungen.csv", rows, delimiter=";", encoding="cp1252")


ETSY_HEADER = [
    "Sale Date", "Item Name", "Buyer", "Quantity", "Price", "Coupon Code", "Coupon Details",
    "Discount Amount", "Shipping Discount", "Order Shipping", "Order Sales Tax", "Item Total",
    "Currency", "Transaction ID", "Listing ID", "Date Paid", "Date Shipped", "Ship Name",
    "Ship Address1", "Ship Address2", "Ship City", "Ship State", "Ship Zipcode",
    "Ship Country", "Order ID", "Variations", "Tracking Number",
]  # fmt: skip


def etsy_row(sold, buyer, shipped, name, country, order, number):
    return [sold, "Knitted hat", buyer, "1", "18.99", "", "", "0", "0", "4.20", "0", "18.99",
            "USD", "2815078325" + order[-1], "953074300", sold, shipped, name, "1 Main St",
            "", "Springfield", "MA", "01101", country, order, "Color:Gray", number]  # fmt: skip


def etsy():
    write_csv("etsy_sold_order_items.csv", [
        ETSY_HEADER,
        etsy_row("03/01/25", "knitfan88", "03/04/25", "Dana Dale", "United States",
                 "3001", "1Z999AA10123456784"),
        etsy_row("03/01/25", "woolly_w", "03/14/25", "Wes Wool", "Canada", "3002",
                 "LX123456785CN"),
        etsy_row("03/02/25", "knitfan88", "03/04/25", "Dana Dale", "United States",
                 "3003", "1Z999AA10123456784"),  # two orders, one parcel: combined shipping
        etsy_row("03/02/25", "pat_p", "", "Pat Post", "United States", "3004", "see email"),
    ])  # fmt: skip


def woocommerce():
    write_csv("woocommerce_orders_ast.csv", [
        ["Order ID", "Order Date", "Order Status", "Shipping First Name", "Shipping Last Name",
         "Billing Email", "Shipping Country", "Order Total", "Tracking Provider",
         "Tracking Number", "Date Shipped"],
        ["4001", "2025-03-01 10:12:00", "completed", "Eva", "Ernst", "eva@shop.test", "DE",
         "34.90", "Deutsche Post DHL", "CP111222332DE", "04-03-2025"],
        ["4002", "2025-03-01 11:40:00", "completed", "Finn", "Fox", "finn@shop.test", "FR",
         "12.00", "La Poste", "CX314159268FR", "13-03-2025"],
        ["4003", "2025-03-02 09:00:00", "processing", "Gus", "Grey", "gus@shop.test", "ES",
         "22.50", "", "N/A", ""],
        ["4004", "2025-03-02 09:30:00", "completed", "Hana", "Hill", "hana@shop.test", "GB",
         "8.00", "Royal Mail", "=HYPERLINK(\"https://www.royalmail.com/track\",\"RB\")",
         "05-03-2025"],
    ])  # fmt: skip


AMAZON_HEADER = [
    "order-id", "order-item-id", "quantity", "ship-date", "carrier-code", "carrier-name",
    "tracking-number", "ship-method", "transparency_code", "ship_from_address_name",
    "ship_from_address_line1", "ship_from_address_line2", "ship_from_address_line3",
    "ship_from_address_city", "ship_from_address_county", "ship_from_address_state_or_region",
    "ship_from_address_postalcode", "ship_from_address_countrycode",
    "recipient-name", "buyer-name", "ship-country",
]  # fmt: skip
SHIP_FROM = ["Shop Warehouse", "1 Dock Rd", "", "", "Leeds", "", "West Yorkshire", "LS1 1AA",
             "GB"]  # fmt: skip


def amazon():
    # The merchant ships from the UK: ship_from_address_countrycode is not the destination.
    write_csv("amazon_shipping_confirmation.txt", [
        AMAZON_HEADER,
        ["111-1234567-1234567", "12345678901234", "1", "2025-03-04", "UPS", "",
         "1Z999AA10123456784", "Ground", "", *SHIP_FROM, "Ivy Ives", "Ivy's Office Ltd", "US"],
        ["111-1234567-1234567", "12345678901235", "2", "2025-03-04", "UPS", "",
         "1Z999AA10123456784", "Ground", "", *SHIP_FROM, "Ivy Ives", "Ivy's Office Ltd", "US"],
        ["111-7654321-7654321", "22345678901234", "1", "2025-03-05", "Other", "YunExpress",
         "YT2229521272164446", "Standard", "", *SHIP_FROM, "Jay Jones", "Jay Jones", "FR"],
        ["111-5555555-5555555", "32345678901234", "1", "2025-03-05", "USPS", "",
         "+1 (555) 010-0199", "Priority", "", *SHIP_FROM, "Kim Kerr", "Kim Kerr", "US"],
    ], delimiter="\t")  # fmt: skip


PAYPAL_HEADER = [  # PayPal's 2018 activity download, default fields, in its order
    "Date", "Time", "TimeZone", "Name", "Type", "Status", "Currency", "Gross", "Fee", "Net",
    "From Email Address", "To Email Address", "Transaction ID", "Shipping Address",
    "Address Status", "Item Title", "Item ID", "Shipping and Handling Amount",
    "Insurance Amount", "Sales Tax", "Option 1 Name", "Option 1 Value", "Option 2 Name",
    "Option 2 Value", "Reference Txn ID", "Invoice Number", "Custom Number", "Quantity",
    "Receipt ID", "Balance", "Address Line 1", "Address Line 2/District/Neighborhood",
    "Town/City", "State/Province/Region/County/Territory/Prefecture/Republic",
    "Zip/Postal Code", "Country", "Contact Phone Number", "Subject", "Note", "Country Code",
    "Balance Impact", "Tracking Number",
]  # fmt: skip


def paypal_row(day, name, gross, email, txn, street, town, item, invoice, country, code,
               number):  # fmt: skip
    row = dict.fromkeys(PAYPAL_HEADER, "")
    row.update({
        "Date": day, "Time": "10:15:00", "TimeZone": "GMT", "Name": name,
        "Type": "Website Payment", "Status": "Completed", "Currency": "GBP", "Gross": gross,
        "Fee": "-1,04", "Net": "23,96", "From Email Address": email,
        "To Email Address": "shop@shop.test", "Transaction ID": txn,
        "Shipping Address": f"{name}, {street}, {town}", "Address Status": "Confirmed",
        "Item Title": item, "Quantity": "1", "Invoice Number": invoice, "Balance": "123,45",
        "Address Line 1": street, "Town/City": town, "Country": country,
        "Contact Phone Number": "+44 20 7946 0000", "Country Code": code,
        "Balance Impact": "Credit", "Tracking Number": number,
    })  # fmt: skip
    return [row[h] for h in PAYPAL_HEADER]


def paypal():
    write_csv("paypal_activity_download.csv", [
        PAYPAL_HEADER,
        paypal_row("04/03/2025", "Lia Lane", "25,00", "lia@shop.test; lia.lane@work.test",
                   "1AB23456CD789012E", "1 High St", "London", "Scarf", "INV-5001",
                   "United Kingdom", "GB", "LY555444339GB"),
        paypal_row("05/03/2025", "Max Moor", "12,00", "max@shop.test", "2AB23456CD789012E",
                   "2 Low Rd", "Leeds", "Gloves", "INV-5002", "United Kingdom", "GB",
                   "max@shop.test"),
        paypal_row("13/03/2025", "Nia Nash", "30,00", "nia@shop.test", "3AB23456CD789012E",
                   "3 Quay St", "Dublin", "Hat", "INV-5003", "Ireland", "IE",
                   "RB123456785GB"),
    ], bom=True)  # fmt: skip


def shipstation():
    write_csv("shipstation_shipments.csv", [
        ["Ship Date", "Order #", "Recipient", "Email", "Country", "Carrier", "Service",
         "Tracking #", "Weight", "Shipping Cost"],
        ["3/4/2025", "6001", "Olga Orr", "olga@shop.test", "US", "USPS",
         "USPS Ground Advantage", "9400111206206406260787", "1 lb 2 oz", "$5.40"],
        ["3/14/2025", "6002", "Olga Orr", "olga@shop.test", "US", "USPS",
         "USPS Ground Advantage", "9400 1112 0620 6406 2607 87", "0 lb 9 oz", "$4.10"],
        ["3/5/2025", "6003", "Pia Pratt", "pia@shop.test", "CA", "FedEx", "Ground",
         "12345", "2 lb", "$9.00"],
    ])  # fmt: skip


def aftership():
    write_csv("aftership_csv_import.csv", [
        ["tracking_number", "courier", "order_id", "title", "customer_name", "emails",
         "origin_country", "destination_country", "order_path"],
        ["LZ271828189ES", "spain-correos", "7001", "#7001", "Quim Quer",
         "quim@shop.test,quim.q@work.test", "ESP", "ESP", "https://shop.test/orders/7001"],
        ["EE161803397IT", "poste-italiane", "7002", "#7002", "Rita Rossi", "rita@shop.test",
         "ITA", "ITA", "https://shop.test/orders/7002"],
        ["=1+1", "ups", "7003", "#7003", "Sam Stone", "sam@shop.test", "USA", "USA", ""],
        ["https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784", "ups", "7004",
         "#7004", "Tom Tate", "tom@shop.test", "USA", "USA", ""],
    ])  # fmt: skip


def trackingmore():
    write_csv("trackingmore_batch_import.csv", [
        ["Tracking Number", "Courier", "Order Number", "Customer Name", "Customer Email",
         "Destination Country", "Ship Date", "Comment"],
        ["RA141421354NL", "PostNL", "8001", "Uma Uil", "uma@shop.test", "Netherlands",
         "2025/03/04", "fragile"],
        ["LE173205087PT", "CTT", "8002", "Vera Vaz", "vera@shop.test", "PRT", "2025/03/05", ""],
        ["PENDING", "", "8003", "Wim Wit", "wim@shop.test", "NLD", "", ""],
        ["Total: 2 shipments", "", "", "", "", "", "", ""],
    ])  # fmt: skip


def pasted():
    text = (
        "Tracking number\n"
        "LX123456785CN\n"
        "lx 1234 5678 5cn\n"  # the same number typed differently: one shipment
        "N/A\n"
        "RB123456785GB, CA343434342GB\n"
        "https://www.royalmail.com/track-your-item#/tracking-results/RB123456785GB\n"
        "ann@shop.test\n"
        "\n"
        "-\n"
    )
    (HERE / "pasted_list.txt").write_text(text, encoding="utf-8")


def french():
    write_csv("boutique_fr_expeditions.csv", [
        ["N° de commande", "Date d'expédition", "Destinataire", "Courriel", "Pays",
         "Transporteur", "Numéro de suivi", "Montant"],
        ["FR-9001", "4 mars 2025", "Zoé Lefèvre", "zoe@boutique.test", "Allemagne",
         "Colissimo", "CX314159268FR", "12,50 €"],
        ["FR-9002", "26 févr. 2025", "Élise Noël", "elise@boutique.test", "Belgique",
         "La Poste", "en attente", "8,00 €"],
        ["FR-9003", "13 mars 2025", "Hélène Roux", "helene@boutique.test", "Espagne",
         "La Poste", "LZ271828189ES", "20,00 €"],
    ], delimiter=";", encoding="cp1252")  # fmt: skip


def excel():
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Order", "Tracking Number", "Customer", "Ship date", "Country"])
    sheet.append(["#10001", "LX123456785CN", "Ann Archer", datetime(2025, 3, 4), "GB"])
    sheet.append(["#10002", 9.4001112062064e21, "Bob Baker", date(2025, 3, 5), "US"])
    sheet.append(["#10003", "RX232323232DE", "Cy Cole", 45722, "Germany"])  # a serial date
    sheet.append(["#10004", "#N/A", "Dee Dunn", None, ""])
    workbook.save(HERE / "excel_orders.xlsx")


def libreoffice_like():
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(HERE / "sheet_with_title.xlsx"))
    sheet = workbook.add_worksheet("Versand")
    dates = workbook.add_format({"num_format": "dd.mm.yyyy"})
    sheet.write(0, 1, "Versandliste März 2025")  # a title above the header, one column in
    for col, text in enumerate(["Bestellnummer", "Sendungsnummer", "Empfänger", "Land"]):
        sheet.write(2, col + 1, text)
    rows = [["B-1", "RR987654326DE", "Jana Jung", "DE"], ["B-2", "k.A.", "Kai Kurz", "AT"]]
    for r, row in enumerate(rows, start=3):
        for col, value in enumerate(row):
            sheet.write_string(r, col + 1, value)
    sheet.write_datetime(3, 5, datetime(2025, 3, 4), dates)
    workbook.close()


LIBREOFFICE_CSV = """Bestellnummer;Sendungsnummer;Empfänger;E-Mail;Land;Versanddatum;Gewicht
B-101;00340434161094010006;Jana Jung;jana@laden.test;Deutschland;04.03.2025;1,2 kg
B-102;RR987654326DE;Kai Kurz;kai@laden.test, k.kurz@firma.test;Österreich;05.03.2025;0,5 kg
B-103;keine;Lia Lang;lia@laden.test;Schweiz;;0,3 kg

B-104;0171 2345678;Mia Maas;mia@laden.test;Deutschland;06.03.2025;2 kg
B-105;CX314159268FR;Nik Noll;nik@laden.test;Frankreich;06.03.2025;1 kg
"""
# LibreOffice's CSV filter options: ; separator, " quotes, UTF-8 (76), from line 1; columns
# 2 (Sendungsnummer) and 1 as text, 6 (Versanddatum) as day-first dates (4 = DD/MM/YY).
LIBREOFFICE_FILTER = "CSV:59,34,76,1,1/2/2/2/3/2/4/2/5/2/6/4/7/2"


def libreoffice():
    """Saved by LibreOffice Calc itself (headless soffice; skipped where it is not installed):
    real date cells, text cells, an empty row, German headers and country names."""
    soffice = shutil.which("soffice")
    if soffice is None:
        print("soffice not found: libreoffice_calc_versand.xlsx left as it is")
        return
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "libreoffice_calc_versand.csv"
        source.write_text(LIBREOFFICE_CSV, encoding="utf-8")
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{work}/profile", "--headless",
             f"--infilter={LIBREOFFICE_FILTER}", "--convert-to",
             "xlsx:Calc MS Excel 2007 XML", "--outdir", work, str(source)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        shutil.copyfile(Path(work) / "libreoffice_calc_versand.xlsx",
                        HERE / "libreoffice_calc_versand.xlsx")  # fmt: skip


SHOPIFY_HEADER = [  # Admin → Orders → Export, every column in the export's order
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip",
    "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street",
    "Shipping Address1", "Shipping Address2", "Shipping Company", "Shipping City",
    "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone", "Notes",
    "Note Attributes", "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount",
    "Vendor", "Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags",
    "Risk Level", "Source", "Lineitem discount", "Tax 1 Name", "Tax 1 Value", "Tax 2 Name",
    "Tax 2 Value", "Tax 3 Name", "Tax 3 Value", "Tax 4 Name", "Tax 4 Value", "Tax 5 Name",
    "Tax 5 Value", "Phone", "Receipt Number", "Duties", "Billing Province Name",
    "Shipping Province Name", "Payment ID", "Payment Terms Name", "Next Payment Due At",
    "Payment References",
]  # fmt: skip


def shopify_row(name, email, paid, status, fulfilled, total, item, person, street, city, zip_,
                country, phone, order_id, payment_id):  # fmt: skip
    row = dict.fromkeys(SHOPIFY_HEADER, "")
    row.update({
        "Name": name, "Email": email, "Financial Status": "paid", "Paid at": paid,
        "Fulfillment Status": status, "Fulfilled at": fulfilled, "Accepts Marketing": "no",
        "Currency": "EUR", "Subtotal": total, "Shipping": "4.90", "Taxes": "3.80",
        "Total": total, "Discount Amount": "0.00", "Shipping Method": "Standard",
        "Created at": paid, "Lineitem quantity": "1", "Lineitem name": item,
        "Lineitem price": total, "Lineitem sku": "SKU-" + name[1:],
        "Lineitem requires shipping": "true", "Lineitem taxable": "true",
        "Lineitem fulfillment status": status, "Billing Name": person,
        "Billing Street": street, "Billing Address1": street, "Billing City": city,
        "Billing Zip": zip_, "Billing Country": country, "Billing Phone": phone,
        "Shipping Name": person, "Shipping Street": street, "Shipping Address1": street,
        "Shipping City": city, "Shipping Zip": zip_, "Shipping Country": country,
        "Shipping Phone": phone, "Payment Method": "Shopify Payments",
        "Payment Reference": "c" + order_id + ".1", "Refunded Amount": "0.00",
        "Vendor": "Shop", "Outstanding Balance": "0.00", "Id": order_id, "Risk Level": "Low",
        "Source": "web", "Lineitem discount": "0.00", "Tax 1 Name": "VAT 19%",
        "Tax 1 Value": "3.80", "Phone": phone, "Payment ID": payment_id,
        "Payment References": payment_id,
    })  # fmt: skip
    return [row[h] for h in SHOPIFY_HEADER]


def shopify():
    # No tracking column at all; Id, Payment ID, phones and SKUs are the columns a guess
    # could take for one.
    write_csv("shopify_orders_export.csv", [
        SHOPIFY_HEADER,
        shopify_row("#1001", "ann@shop.test", "2025-03-01 10:00:00 +0100", "fulfilled",
                    "2025-03-04 09:00:00 +0100", "28.70", "Mug", "Ann Archer", "Hauptstr. 1",
                    "Berlin", "10115", "DE", "+49 30 1234567", "5712345678901",
                    "rMx8ZPQ3Y4aVn0sB1c2d3e4f5"),
        shopify_row("#1002", "bob@shop.test", "2025-03-02 11:00:00 +0100", "unfulfilled", "",
                    "16.80", "Cup", "Bob Baker", "1 Rue de Rivoli", "Paris", "75001", "FR",
                    "+33 1 23 45 67 89", "5712345678902", "sNy9AQR4Z5bWo1tC2d3e4f5g6"),
    ])  # fmt: skip


def main():
    """Write every fixture."""
    for build in (ebay, ebay_de, etsy, woocommerce, amazon, paypal, shipstation, aftership,
                  trackingmore, pasted, french, excel, libreoffice_like, libreoffice,
                  shopify):  # fmt: skip
        build()


if __name__ == "__main__":
    main()
