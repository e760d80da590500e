/**
 * The demo organization's settings: every text of the checklist in the five languages, so the
 * demo is open the moment it is seeded. Fictional, modelled on what the helplines' own notices
 * say (shared/DOMAIN.md); one item per line, as the settings form takes them.
 */
const lines = (...items: string[]) => items.join("\n");

export const demoPrivacyInfo = {
  purposes: {
    en: lines(
      "To answer your chats and support you when you contact us",
      "To keep you and others safe when someone is in danger",
      "To train and supervise our chat workers",
      "For research and statistics, with everything that identifies you removed, unless you object",
    ),
    fi: lines(
      "Vastataksemme keskusteluihisi ja tukeaksemme sinua, kun otat meihin yhteyttä",
      "Suojellaksemme sinua ja muita, kun joku on vaarassa",
      "Päivystäjiemme koulutukseen ja työnohjaukseen",
      "Tutkimukseen ja tilastointiin niin, että kaikki sinut tunnistettavissa tekevä on poistettu, ellet kiellä sitä",
    ),
    sv: lines(
      "För att svara på dina chattar och stödja dig när du kontaktar oss",
      "För att skydda dig och andra när någon är i fara",
      "För utbildning och handledning av våra chattarbetare",
      "För forskning och statistik, med allt som kan identifiera dig borttaget, om du inte invänder",
    ),
    nl: lines(
      "Om je chats te beantwoorden en je te steunen als je contact met ons opneemt",
      "Om jou en anderen te beschermen als iemand in gevaar is",
      "Om onze chatmedewerkers op te leiden en te begeleiden",
      "Voor onderzoek en statistiek, zonder iets waaraan je te herkennen bent, tenzij je bezwaar maakt",
    ),
    et: lines(
      "Et vastata sinu vestlustele ja toetada sind, kui võtad meiega ühendust",
      "Et kaitsta sind ja teisi, kui keegi on ohus",
      "Meie nõustajate koolitamiseks ja juhendamiseks",
      "Uuringuteks ja statistikaks nii, et kõik, mis võimaldaks sind tuvastada, on eemaldatud, kui sa ei esita vastuväidet",
    ),
  },
  legalBases: {
    en: lines(
      "Answering chats and supporting you: your consent when you start a chat (GDPR Article 6(1)(a))",
      "Protecting someone in danger: vital interests (Article 6(1)(d)) and our legal duty to report (Article 6(1)(c))",
      "Training, supervision and research: our legitimate interest (Article 6(1)(f)); you can object at any time",
    ),
    fi: lines(
      "Keskusteluihin vastaaminen ja tukeminen: suostumuksesi, kun aloitat keskustelun (tietosuoja-asetuksen 6 artiklan 1 kohdan a alakohta)",
      "Vaarassa olevan suojeleminen: elintärkeät edut (6 artiklan 1 kohdan d alakohta) ja lakisääteinen ilmoitusvelvollisuutemme (6 artiklan 1 kohdan c alakohta)",
      "Koulutus, työnohjaus ja tutkimus: oikeutettu etumme (6 artiklan 1 kohdan f alakohta); voit vastustaa sitä milloin tahansa",
    ),
    sv: lines(
      "Att svara på chattar och stödja dig: ditt samtycke när du startar en chatt (artikel 6.1 a i dataskyddsförordningen)",
      "Att skydda någon som är i fara: grundläggande intressen (artikel 6.1 d) och vår rättsliga skyldighet att anmäla (artikel 6.1 c)",
      "Utbildning, handledning och forskning: vårt berättigade intresse (artikel 6.1 f); du kan invända när som helst",
    ),
    nl: lines(
      "Chats beantwoorden en je steunen: je toestemming als je een chat begint (artikel 6, lid 1, onder a, AVG)",
      "Iemand in gevaar beschermen: vitale belangen (artikel 6, lid 1, onder d) en onze wettelijke meldplicht (artikel 6, lid 1, onder c)",
      "Opleiding, begeleiding en onderzoek: ons gerechtvaardigd belang (artikel 6, lid 1, onder f); je kunt altijd bezwaar maken",
    ),
    et: lines(
      "Vestlustele vastamine ja sinu toetamine: sinu nõusolek vestlust alustades (isikuandmete kaitse üldmääruse artikli 6 lõike 1 punkt a)",
      "Ohus oleva inimese kaitsmine: eluliselt tähtsad huvid (artikli 6 lõike 1 punkt d) ja meie seadusest tulenev teatamiskohustus (artikli 6 lõike 1 punkt c)",
      "Koolitus, juhendamine ja uuringud: meie õigustatud huvi (artikli 6 lõike 1 punkt f); võid sellele igal ajal vastu vaielda",
    ),
  },
  categories: {
    en: lines(
      "The messages of your chats, and the date, time and topic of each chat",
      "The notes our chat workers write about a chat",
      "The IP address a chat came from",
      "If you have an account: your e-mail address, your name or nickname, and your password (never stored readable)",
    ),
    fi: lines(
      "Keskustelujesi viestit sekä kunkin keskustelun päivämäärä, kellonaika ja aihe",
      "Päivystäjiemme muistiinpanot keskustelusta",
      "IP-osoite, josta keskustelu tuli",
      "Jos sinulla on tili: sähköpostiosoitteesi, nimesi tai nimimerkkisi ja salasanasi (tallennettu niin, ettei sitä voi lukea)",
    ),
    sv: lines(
      "Meddelandena i dina chattar och datum, tid och ämne för varje chatt",
      "Anteckningar som våra chattarbetare skriver om en chatt",
      "IP-adressen som chatten kom från",
      "Om du har ett konto: din e-postadress, ditt namn eller smeknamn och ditt lösenord (sparat så att ingen kan läsa det)",
    ),
    nl: lines(
      "De berichten van je chats, en de datum, tijd en het onderwerp van elk gesprek",
      "De notities die onze chatmedewerkers over een gesprek maken",
      "Het IP-adres waarvandaan een chat kwam",
      "Als je een account hebt: je e-mailadres, je naam of bijnaam en je wachtwoord (zo opgeslagen dat niemand het kan lezen)",
    ),
    et: lines(
      "Sinu vestluste sõnumid ning iga vestluse kuupäev, kellaaeg ja teema",
      "Märkmed, mida meie nõustajad vestluse kohta kirjutavad",
      "IP-aadress, kust vestlus tuli",
      "Kui sul on konto: sinu e-posti aadress, nimi või hüüdnimi ja parool (salvestatud nii, et keegi ei saa seda lugeda)",
    ),
  },
  source: {
    en: lines(
      "From you, in the chats you have with us",
      "From our chat workers, who write the replies and notes",
      "From our chat platform, which records the date, time and IP address of each chat",
    ),
    fi: lines(
      "Sinulta itseltäsi keskusteluissa, joita käyt kanssamme",
      "Päivystäjiltämme, jotka kirjoittavat vastaukset ja muistiinpanot",
      "Chat-alustaltamme, joka tallentaa kunkin keskustelun päivämäärän, kellonajan ja IP-osoitteen",
    ),
    sv: lines(
      "Från dig, i chattarna du har med oss",
      "Från våra chattarbetare, som skriver svaren och anteckningarna",
      "Från vår chattplattform, som registrerar datum, tid och IP-adress för varje chatt",
    ),
    nl: lines(
      "Van jou, in de chats die je met ons hebt",
      "Van onze chatmedewerkers, die de antwoorden en notities schrijven",
      "Van ons chatplatform, dat de datum, tijd en het IP-adres van elk gesprek vastlegt",
    ),
    et: lines(
      "Sinult endalt, meiega peetud vestlustes",
      "Meie nõustajatelt, kes kirjutavad vastused ja märkmed",
      "Meie vestlusplatvormilt, mis salvestab iga vestluse kuupäeva, kellaaja ja IP-aadressi",
    ),
  },
  transfers: { outsideEea: false },
};
