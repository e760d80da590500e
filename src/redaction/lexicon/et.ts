import type { Lexicon } from "./lexicon-type.js";

/** Estonian (incl. names common among Russian-speaking families in Estonia); compiled for this project. */
export const et: Lexicon = {
  firstNames: `Aivar Alisa Anastasia Andrei Andres Andrus Anete Anne Anneli Annika Ants Anu Argo Artjom Artur Birgit Daniel Darja Diana Dmitri Eliise Elis Emily Emma Ene Enn Erik Eva Evelin
    Georg Getter Gregor Grete Hanna Hans Helen Helena Helgi Henri Hugo Indrek Ingrid Ivan Jaak Jaan Jaanus Jane Jekaterina Joosep Jüri Kaarel Kadri Kairi Kalev Karin Karl Karmen Kaspar Katrin Kati Keiti Kenneth Kerli Kertu Kevin Kirill Kristi Kristiina Kristjan Kristo Kätlin
    Laura Lauri Lenna Liina Liis Liisa Linda Lisette Maarja Madis Mai Maie Maksim Marek Margit Margus Mari Maria Mariann Marika Markus Marleen Mart Marta Marten Martin Mati Mattias Meelis Merike Merilin Mia Mihkel Mirjam Mirtel Monika
    Nikita Nora Olga Oliver Oskar Ott Peeter Pille Piret Polina Priit Rait Rasmus Raul Reet Rein Rene Riina Robin Romet Sander Sandra Sebastian Sergei Siim Siiri Sigrid Silver Sirje Sofia Stella Sten
    Taavi Tanel Tarmo Tiina Tiit Tiiu Toomas Triin Triinu Tristan Tuuli Tõnis Tõnu Uku Urmas Vello Villu Ülle Egle Kaidi Kelly Hele Ilme Õie Kaja Aleksei`,
  ambiguous: "mari mai ilme hele tuuli meri eha õie anna kai silver ants mart rein reet kaja ene",
  cueWords: `sõber sõbra sõbraga sõbrale sõbranna sõbrannaga sõbrannale parim vend venna vennaga vennale väikevend vanem õde õe õega õele väikeõde
    nõbu nõo nõoga poiss-sõber poisssõber poisssõbra tüdruksõber ekspoiss eks ema emaga isa isaga kasuisa kasuema onu tädi vanaema vanaisa
    õpetaja õpetajaga klassivend klassiõde klassikaaslane naaber naabri treener nimega nimi kutsutakse`,
  stopwords: `ja on oli ei ole see seda selle ta tema mina ma mu minu sina sa su me meie te nemad nad et aga või kui siis kes mis kus miks kuidas sest ka veel nüüd täna eile homme
    ütles ütleb rääkis teab elab tuli tuleb läks läheb tegi teeb lõi lööb kiusab ähvardab tahab tahtis saab sai peab pidi väga natuke palju alati kunagi
    tere tsau okei ok jah jaa ei kas vist võib-olla lihtsalt täitsa päris sõber vend õde ema isa keegi midagi kõik teised uus vana väike suur`,
  // Inflected forms of names that are words (checked against voikko-fi, wswedish, wdutch, myspell-et, wbritish).
  notNames: "sama samaga samaks samal samale samalt samana samas samasse samast samata samu samuks samul samult samus ennast ennist ennata lennata avas avast avata avale aval avalt anus",
};
