/** Fictional demo people and chats. Any likeness to real people is accidental. */
export const demoSubjects = [
  ["Aino Virtanen", "fi"], ["Eetu Korhonen", "fi"], ["Lumi Mäkinen", "fi"], ["Onni Nieminen", "fi"],
  ["Sofia Hämäläinen", "fi"], ["Elias Laine", "fi"], ["Ella Heikkinen", "sv"], ["Alva Lindqvist", "sv"],
  ["Nils Åberg", "sv"], ["Saga Öberg", "sv"], ["Daan de Vries", "nl"], ["Lotte van Dijk", "nl"],
  ["Sem IJzerman", "nl"], ["Fenna Bakker", "nl"], ["Mari Tamm", "et"], ["Karl Saar", "et"],
  ["Liisa Mägi", "et"], ["Rasmus Kask", "et"], ["Emma Wilson", "en"], ["Noah Clarke", "en"],
  ["Olivia Brown", "en"], ["Leo Evans", "en"],
] as const;

type Script = { topic: string; lines: [role: "subject" | "worker", text: string][]; note: string };

export const demoChats: Record<string, Script[]> = {
  fi: [
    { topic: "Kiusaaminen koulussa", lines: [["subject", "Hei, mua kiusataan koulussa joka päivä."], ["worker", "Kiitos että kirjoitit. Kerrotko lisää, mitä on tapahtunut?"], ["subject", "Ne kirjoittaa rumia juttuja ryhmächattiin ja nauraa käytävällä."], ["worker", "Tuo kuulostaa tosi raskaalta. Oletko voinut kertoa aikuiselle?"], ["subject", "En vielä. Pelottaa että se pahenee."]], note: "Kiusaaminen, ei välitöntä vaaraa. Ohjattu puhumaan kuraattorille." },
    { topic: "Yksinäisyys", lines: [["subject", "Tuntuu ettei kukaan välitä."], ["worker", "Olen tässä ja kuuntelen. Mikä on saanut sinut tuntemaan näin?"], ["subject", "Kaverit muutti pois ja nyt olen aina yksin."]], note: "Yksinäisyys, sovittiin uusi keskustelu viikon päästä." },
  ],
  sv: [
    { topic: "Våld i nära relation", lines: [["subject", "Min pojkvän blir arg och knuffar mig."], ["worker", "Det låter allvarligt. Är du i säkerhet just nu?"], ["subject", "Ja, han är inte hemma. Jag vet inte vad jag ska göra."], ["worker", "Vi kan gå igenom dina möjligheter tillsammans, i din takt."]], note: "Fysiskt våld, informerad om kvinnojour och polisanmälan." },
  ],
  nl: [
    { topic: "Zorgen over radicalisering", lines: [["subject", "Mijn broer kijkt de hele dag naar extreme filmpjes."], ["worker", "Fijn dat je dit deelt. Sinds wanneer merk je dat?"], ["subject", "Sinds de zomer. Hij praat nu ook zo en is boos op iedereen."]], note: "Zorg om broer, tips gegeven voor gesprek; geen acuut gevaar." },
    { topic: "Online intimidatie", lines: [["subject", "Iemand deelt foto's van mij zonder toestemming."], ["worker", "Dat mag niet. Wil je weten hoe je aangifte kunt doen?"], ["subject", "Ja graag, ik wil dat het stopt. Ik heb ook screenshots van de berichten."]], note: "Sextortion-achtig, uitleg aangifte en meldpunt gegeven." },
  ],
  et: [
    { topic: "Kiusamine internetis", lines: [["subject", "Mind kiusatakse sotsiaalmeedias, keegi tegi võltskonto."], ["worker", "Kahju, et sul nii raske on. Kas oled sellest kellelegi rääkinud?"], ["subject", "Ei, mul on häbi. Õpetaja ei tea midagi."]], note: "Võltskonto, soovitatud teavitada kooli ja platvormi." },
  ],
  en: [
    { topic: "Exam stress", lines: [["subject", "I can't sleep because of exams."], ["worker", "That sounds exhausting. What worries you most?"], ["subject", "Failing and letting my parents down."]], note: "Exam anxiety; breathing exercise, follow-up offered." },
  ],
};
