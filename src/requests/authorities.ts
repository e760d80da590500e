/**
 * Directory of GDPR supervisory authorities (Art. 77: the right to complain to the
 * authority where the person lives, works or where the infringement happened).
 *
 * FI, SE, NL and EE are copied exactly from shared/DOMAIN.md. The other entries were
 * checked against stored copies of the authorities' own pages (or pages that quote
 * them). Rules kept while compiling:
 *  - https only;
 *  - every entry has a postal address: the authority's own letter address where it
 *    publishes one (a P.O. box), else its street address, as several independent
 *    sources quote it (the dossier and the "How to complain" page print it);
 *  - where no dedicated complaint page could be confirmed, complaintUrl points to the
 *    authority's contact page or, failing that, its home page, and a comment says so.
 * Authorities move and rename pages: re-check before relying on an entry in production.
 */

export interface SupervisoryAuthority {
  /** ISO 3166-1 alpha-2 code, upper case. */
  country: string;
  nameLocal: string;
  /**
   * BCP 47 language of the local name (an ISO 639-1 language code, not the country code: `cs`
   * for Czechia, `el` for Greece, `de-AT` for Austria), for its `lang` attribute. One per part
   * when the name is given in two languages separated by " / " (Belgium).
   */
  nameLang: readonly string[];
  nameEnglish: string;
  website: string;
  complaintUrl: string;
  postalAddress: string[];
}

const list: SupervisoryAuthority[] = [
  {
    country: "AT",
    nameLocal: "Österreichische Datenschutzbehörde",
    nameLang: ["de-AT"],
    nameEnglish: "Austrian Data Protection Authority",
    website: "https://www.dsb.gv.at",
    // No dedicated complaint page confirmed: home page.
    complaintUrl: "https://www.dsb.gv.at",
    postalAddress: ["Barichgasse 40-42", "1030 Wien"],
  },
  {
    country: "BE",
    nameLocal: "Autorité de protection des données / Gegevensbeschermingsautoriteit",
    nameLang: ["fr-BE", "nl-BE"],
    nameEnglish: "Belgian Data Protection Authority",
    website: "https://www.autoriteprotectiondonnees.be",
    complaintUrl: "https://www.autoriteprotectiondonnees.be/citoyen/agir/introduire-une-plainte",
    postalAddress: ["Rue de la Presse 35", "1000 Bruxelles"],
  },
  {
    country: "BG",
    nameLocal: "Комисия за защита на личните данни",
    nameLang: ["bg"],
    nameEnglish: "Commission for Personal Data Protection",
    website: "https://www.cpdp.bg",
    // The site was restructured; the old complaint page URL may not survive: home page.
    complaintUrl: "https://www.cpdp.bg",
    postalAddress: ["2 Prof. Tsvetan Lazarov Blvd.", "Sofia 1592"],
  },
  {
    country: "CY",
    nameLocal: "Γραφείο Επιτρόπου Προστασίας Δεδομένων Προσωπικού Χαρακτήρα",
    nameLang: ["el-CY"],
    nameEnglish: "Office of the Commissioner for Personal Data Protection",
    website: "https://www.dataprotection.gov.cy",
    complaintUrl:
      "https://www.dataprotection.gov.cy/dataprotection/dataprotection.nsf/page1i_en/page1i_en?opendocument",
    // Street address, then the letter address (P.O. box).
    postalAddress: ["Iasonos 1, 1082 Nicosia", "P.O. Box 23378", "1682 Nicosia"],
  },
  {
    country: "CZ",
    nameLocal: "Úřad pro ochranu osobních údajů",
    nameLang: ["cs"],
    nameEnglish: "Office for Personal Data Protection",
    website: "https://www.uoou.cz",
    // No dedicated complaint page confirmed: home page.
    complaintUrl: "https://www.uoou.cz",
    postalAddress: ["Pplk. Sochora 27", "170 00 Praha 7"],
  },
  {
    country: "DE",
    // Federal authority. Complaints about private companies usually go to the data
    // protection authority of the Land (state) instead; the BfDI covers federal
    // bodies, telecoms and postal services and forwards other complaints.
    nameLocal: "Bundesbeauftragte für den Datenschutz und die Informationsfreiheit (BfDI)",
    nameLang: ["de"],
    nameEnglish: "Federal Commissioner for Data Protection and Freedom of Information",
    website: "https://www.bfdi.bund.de",
    // No dedicated complaint page confirmed: home page.
    complaintUrl: "https://www.bfdi.bund.de",
    postalAddress: ["Graurheindorfer Straße 153", "53117 Bonn"],
  },
  {
    country: "DK",
    nameLocal: "Datatilsynet",
    nameLang: ["da"],
    nameEnglish: "Danish Data Protection Agency",
    website: "https://www.datatilsynet.dk",
    // No current complaint page confirmed: home page.
    complaintUrl: "https://www.datatilsynet.dk",
    postalAddress: ["Carl Jacobsens Vej 35", "2500 Valby"],
  },
  {
    country: "EE",
    nameLocal: "Andmekaitse Inspektsioon (AKI)",
    nameLang: ["et"],
    nameEnglish: "Estonian Data Protection Inspectorate",
    website: "https://www.aki.ee",
    // Contact page: DOMAIN.md found no dedicated complaint form.
    complaintUrl: "https://www.aki.ee/vota-uhendust",
    postalAddress: ["Tatari 39", "10134 Tallinn"],
  },
  {
    country: "ES",
    nameLocal: "Agencia Española de Protección de Datos (AEPD)",
    nameLang: ["es"],
    nameEnglish: "Spanish Data Protection Agency",
    website: "https://www.aepd.es",
    // The e-office list of procedures, where the complaint forms are.
    complaintUrl: "https://sedeagpd.gob.es/sede-electronica-web/vistas/infoSede/tramitesEntidadAll.jsf",
    postalAddress: ["C/ Jorge Juan 6", "28001 Madrid"],
  },
  {
    country: "FI",
    nameLocal: "Tietosuojavaltuutetun toimisto",
    nameLang: ["fi"],
    nameEnglish: "Office of the Data Protection Ombudsman",
    website: "https://tietosuoja.fi",
    complaintUrl: "https://tietosuoja.fi/notification-to-the-data-protection-ombudsman",
    postalAddress: ["PL 800", "00531 Helsinki"],
  },
  {
    country: "FR",
    nameLocal: "Commission nationale de l'informatique et des libertés (CNIL)",
    nameLang: ["fr"],
    nameEnglish: "French Data Protection Authority (CNIL)",
    website: "https://www.cnil.fr",
    // No complaint page URL confirmed: home page (it links to "Plaintes").
    complaintUrl: "https://www.cnil.fr",
    postalAddress: ["3 Place de Fontenoy", "TSA 80715", "75334 Paris Cedex 07"],
  },
  {
    country: "GR",
    nameLocal: "Αρχή Προστασίας Δεδομένων Προσωπικού Χαρακτήρα",
    nameLang: ["el"],
    nameEnglish: "Hellenic Data Protection Authority",
    website: "https://www.dpa.gr",
    // Only a legacy complaint URL was found: home page.
    complaintUrl: "https://www.dpa.gr",
    postalAddress: ["Kifisias Av. 1-3", "115 23 Athens"],
  },
  {
    country: "HR",
    nameLocal: "Agencija za zaštitu osobnih podataka (AZOP)",
    nameLang: ["hr"],
    nameEnglish: "Croatian Personal Data Protection Agency",
    website: "https://azop.hr",
    complaintUrl: "https://azop.hr/zahtjev-za-utvrdivanje-povrede-prava/",
    postalAddress: ["Selska cesta 136", "10000 Zagreb"],
  },
  {
    country: "HU",
    nameLocal: "Nemzeti Adatvédelmi és Információszabadság Hatóság (NAIH)",
    nameLang: ["hu"],
    nameEnglish: "Hungarian National Authority for Data Protection and Freedom of Information",
    website: "https://naih.hu",
    // Online case start page, which covers complaints.
    complaintUrl: "https://naih.hu/online-ugyinditas",
    // The authority's letter address (P.O. box) as it publishes it.
    postalAddress: ["Pf. 9.", "1363 Budapest"],
  },
  {
    country: "IE",
    nameLocal: "An Coimisiún um Chosaint Sonraí",
    nameLang: ["ga"],
    nameEnglish: "Data Protection Commission",
    website: "https://www.dataprotection.ie",
    // No dedicated complaint page confirmed: home page.
    complaintUrl: "https://www.dataprotection.ie",
    postalAddress: ["21 Fitzwilliam Square South", "Dublin 2", "D02 RD28"],
  },
  {
    country: "IS",
    nameLocal: "Persónuvernd",
    nameLang: ["is"],
    nameEnglish: "Icelandic Data Protection Authority",
    website: "https://www.personuvernd.is",
    // No dedicated complaint page confirmed: home page.
    complaintUrl: "https://www.personuvernd.is",
    postalAddress: ["Laugavegur 166, 4th floor", "105 Reykjavík"],
  },
  {
    country: "IT",
    nameLocal: "Garante per la protezione dei dati personali",
    nameLang: ["it"],
    nameEnglish: "Italian Data Protection Authority",
    website: "https://www.garanteprivacy.it",
    // No dedicated complaint page confirmed: home page.
    complaintUrl: "https://www.garanteprivacy.it",
    postalAddress: ["Piazza Venezia 11", "00187 Roma"],
  },
  {
    country: "LI",
    nameLocal: "Datenschutzstelle Fürstentum Liechtenstein",
    nameLang: ["de-LI"],
    nameEnglish: "Data Protection Authority of Liechtenstein",
    website: "https://dss.llv.li",
    // How to complain, with a link to the authority's electronic complaint form.
    complaintUrl: "https://dss.llv.li/datenschutz/themen-z/beschwerderecht",
    // As the authority's own privacy notice gives it.
    postalAddress: ["Kirchstrasse 8", "Postfach 684", "9490 Vaduz"],
  },
  {
    country: "LT",
    nameLocal: "Valstybinė duomenų apsaugos inspekcija",
    nameLang: ["lt"],
    nameEnglish: "State Data Protection Inspectorate",
    website: "https://vdai.lrv.lt",
    complaintUrl: "https://vdai.lrv.lt/lt/veiklos-sritys-1/skundu-nagrinejimas",
    postalAddress: ["L. Sapiegos g. 17", "LT-10312 Vilnius"],
  },
  {
    country: "LU",
    nameLocal: "Commission nationale pour la protection des données (CNPD)",
    nameLang: ["fr-LU"],
    nameEnglish: "National Data Protection Commission",
    website: "https://cnpd.public.lu",
    complaintUrl: "https://cnpd.public.lu/en/particuliers/faire-valoir.html",
    postalAddress: ["15, Boulevard du Jazz", "L-4370 Belvaux"],
  },
  {
    country: "LV",
    nameLocal: "Datu valsts inspekcija",
    nameLang: ["lv"],
    nameEnglish: "Data State Inspectorate",
    website: "https://www.dvi.gov.lv",
    complaintUrl: "https://dvi.gov.lv/en/services/complaint-concerning-processing-personal-data",
    postalAddress: ["Elijas iela 17", "Rīga, LV-1050"],
  },
  {
    country: "MT",
    nameLocal: "Information and Data Protection Commissioner (IDPC)",
    nameLang: ["en-MT"],
    nameEnglish: "Office of the Information and Data Protection Commissioner",
    website: "https://idpc.org.mt",
    // No dedicated complaint page URL confirmed: home page.
    complaintUrl: "https://idpc.org.mt",
    postalAddress: ["Floor 2, Airways House", "High Street", "Sliema SLM 1549"],
  },
  {
    country: "NL",
    nameLocal: "Autoriteit Persoonsgegevens (AP)",
    nameLang: ["nl"],
    nameEnglish: "Dutch Data Protection Authority",
    website: "https://autoriteitpersoonsgegevens.nl",
    complaintUrl:
      "https://autoriteitpersoonsgegevens.nl/en/submitting-a-tip-off-or-a-complaint-to-the-dutch-dpa",
    postalAddress: ["Postbus 93374", "2509 AJ Den Haag"],
  },
  {
    country: "NO",
    nameLocal: "Datatilsynet",
    nameLang: ["nb"],
    nameEnglish: "Norwegian Data Protection Authority",
    website: "https://www.datatilsynet.no",
    complaintUrl: "https://www.datatilsynet.no/en/about-us/contact-us/how-to-complain-to-the-norwegian-dpa/",
    postalAddress: ["Postboks 458 Sentrum", "0105 Oslo"],
  },
  {
    country: "PL",
    nameLocal: "Urząd Ochrony Danych Osobowych (UODO)",
    nameLang: ["pl"],
    nameEnglish: "Personal Data Protection Office",
    website: "https://uodo.gov.pl",
    // No dedicated complaint page confirmed: home page.
    complaintUrl: "https://uodo.gov.pl",
    postalAddress: ["ul. Stawki 2", "00-193 Warszawa"],
  },
  {
    country: "PT",
    nameLocal: "Comissão Nacional de Proteção de Dados (CNPD)",
    nameLang: ["pt-PT"],
    nameEnglish: "National Data Protection Commission",
    website: "https://www.cnpd.pt",
    // No dedicated complaint page confirmed: home page (it links to the complaint forms).
    complaintUrl: "https://www.cnpd.pt",
    postalAddress: ["Av. D. Carlos I, 134, 1.º", "1200-651 Lisboa"],
  },
  {
    country: "RO",
    nameLocal: "Autoritatea Națională de Supraveghere a Prelucrării Datelor cu Caracter Personal (ANSPDCP)",
    nameLang: ["ro"],
    nameEnglish: "National Supervisory Authority for Personal Data Processing",
    website: "https://www.dataprotection.ro",
    complaintUrl: "https://www.dataprotection.ro/index.jsp?page=Plangeri_RGPD&lang=en",
    postalAddress: ["B-dul G-ral. Gheorghe Magheru 28-30", "Sector 1, cod poștal 010336, București"],
  },
  {
    country: "SE",
    nameLocal: "Integritetsskyddsmyndigheten (IMY)",
    nameLang: ["sv"],
    nameEnglish: "Swedish Authority for Privacy Protection",
    website: "https://www.imy.se",
    complaintUrl: "https://www.imy.se/privatperson/utfora-arenden/lamna-ett-klagomal/",
    postalAddress: ["Box 8114", "104 20 Stockholm"],
  },
  {
    country: "SI",
    nameLocal: "Informacijski pooblaščenec",
    nameLang: ["sl"],
    nameEnglish: "Information Commissioner of the Republic of Slovenia",
    website: "https://www.ip-rs.si",
    complaintUrl: "https://www.ip-rs.si/en/data-protection/how-to-file-an-application/",
    postalAddress: ["Dunajska 22", "1000 Ljubljana"],
  },
  {
    country: "SK",
    nameLocal: "Úrad na ochranu osobných údajov Slovenskej republiky",
    nameLang: ["sk"],
    nameEnglish: "Office for Personal Data Protection of the Slovak Republic",
    website: "https://dataprotection.gov.sk",
    complaintUrl: "https://dataprotection.gov.sk/sk/urad/konanie-ochrane-osobnych-udajov/",
    // As the authority's own privacy notice gives it.
    postalAddress: ["Hraničná 12", "820 07 Bratislava"],
  },
];

/** An authority as the directory hands it out: with its local name split into parts by language. */
export type DirectoryAuthority = SupervisoryAuthority & { readonly nameParts: readonly { text: string; lang: string }[] };

/** Frozen deeply so callers cannot edit the shared directory by accident. */
export const authorities: readonly DirectoryAuthority[] = Object.freeze(
  list.map((a) => Object.freeze({ ...a, postalAddress: Object.freeze([...a.postalAddress]) as string[], nameParts: Object.freeze(localNameParts(a)) })),
);

const byCountry = new Map(authorities.map((a) => [a.country, a]));

/** Looks up by ISO alpha-2 code (case-insensitive); throws RangeError if unknown. */
export function authorityFor(country: string): DirectoryAuthority {
  const found = byCountry.get(country.trim().toUpperCase());
  if (!found) throw new RangeError(`No supervisory authority known for country "${country}"`);
  return found;
}

/** The organization's lead authority, or null when its country is not in the directory (pages then say so). */
export function leadAuthority(country: string | null | undefined): DirectoryAuthority | null {
  return byCountry.get((country ?? "").trim().toUpperCase()) ?? null;
}

/** The local name in parts, each with its language, for `<span lang>` (Belgium's name is French / Dutch). */
export function localNameParts(a: Pick<SupervisoryAuthority, "nameLocal" | "nameLang">): { text: string; lang: string }[] {
  const texts = a.nameLang.length > 1 ? a.nameLocal.split(" / ") : [a.nameLocal];
  return texts.map((text, i) => ({ text, lang: a.nameLang[i] ?? a.nameLang[0]! }));
}
