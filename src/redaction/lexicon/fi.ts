import type { Lexicon } from "./lexicon-type.js";

/**
 * Finnish: common given names across the generations a helpline hears about (children, parents,
 * grandparents, teachers), from the names in everyday use; compiled for this project.
 */
export const fi: Lexicon = {
  firstNames: `Aada Aapo Aaro Aatu Ahti Aino Aki Aleksi Alisa Amanda Anna Anneli Anni Annika Antero Anton Antti Anu Ari Arttu Arvo Atte Aurora
    Eelis Eemeli Eemil Eero Eetu Eevi Eeva Eino Elias Elina Ella Elli Elmeri Elsa Emil Emilia Emma Emmi Enni Erika Esa Essi Eveliina
    Hanna Hannu Harri Heidi Heikki Helena Helmi Henna Henri Hilla Hilma Iida Iina Iiris Ilari Ilkka Ilona Inka Irja Isla
    Jaakko Jani Janne Jari Jarmo Jenna Jenni Jere Jesse Joel Johanna Jonna Joni Jonne Joona Joonas Jouni Juha Juho Jukka Julia Julius Jussi Juuso Jyrki
    Kaija Kaisa Kalle Kari Kasper Katariina Kati Katja Kerttu Kirsi Krista Lassi Laura Lauri Leena Leevi Lenni Leo Lilja Linnea Lotta Lumi Luka
    Maija Marja Marjut Mari Maria Markku Markus Matias Matti Meri Mika Mikael Mikko Milla Minna Mira Miro Nea Nella Nelli Niilo Niina Niklas Niko Nooa Noora
    Oliver Olivia Olli Onni Oona Oskari Otto Outi Paavo Pasi Pauliina Pekka Pentti Peppi Petri Petteri Pia Pihla Piia Pirkko Pyry
    Rasmus Riikka Riku Risto Ronja Roope Roosa Saara Sakari Sami Samuli Sanna Santeri Sara Sari Satu Sauli Seppo Severi Siiri Simo Sini Sirpa Sofia Sohvi Stella Suvi
    Tapani Tapio Taru Tea Teemu Tiia Tiina Timo Toni Topias Tuija Tuomas Tuomo Tuuli Ulla Valtteri Veeti Veera Veikko Venla Viivi Vilho Ville Vilma Väinö Wilma Eetla Helka Raili Seija Marko Jaana Päivi Tarja Merja Heli Kimmo Jani Tommi Mervi Tero`,
  // Names that are also everyday words ("anna mulle", "kai se menee", "arvo", "pian"): only
  // capitalized in mid-sentence, or after a cue, do they count.
  ambiguous: "anna kai mika satu tuuli lumi helmi ilona onni toivo usko veli aamu sini pia meri hilla lilja sisu ukko into armas tea pyry rauha taru otto arvo aurora tero kari marja päivi",
  cueWords: `kaveri kaverin kaverille kaverilla kaverini kaverit kaveria kamu frendi frendin frendille ystävä ystävän ystävälle ystäväni bestis bestikseni bestiksen bestikselle
    veli veljeni veljen veljelle isoveli isoveljen pikkuveli pikkuveljen sisko siskoni siskon siskolle isosisko isosiskon pikkusisko pikkusiskon serkku serkkuni serkun serkulle
    poikaystävä poikaystäväni poikaystävän poikkis poikkikseni tyttöystävä tyttöystäväni tyttöystävän tyttis tyttikseni exä exäni exän eksä eksäni eksän
    äiti äitini äidin isä isäni isän isäpuoli isäpuolen äitipuoli äitipuolen setä sedän täti tädin eno enon mummo mummon ukki ukin vaari pappa papan
    ope open opettaja opettajan luokkakaveri luokkakaverin luokkalainen naapuri naapurin valmentaja valmentajan kuraattori kuraattorin nimeltä nimeltään`,
  stopwords: `ja on oli ei en et että se sen sitä sille siitä sillä ne niiden mä mää mun mulle mua minä minun sä sun sulle sua hän hänen me meidän te he
    mut mutta tai kun jos niin nii vaan vain myös kans kanssa joka jolla jonka mikä mitä miten miks miksi missä koska kuin jo vielä aina taas nyt sit sitten
    eilen tänään huomenna just juuri tosi vähän paljon sano sanoi sanoo kertoi kertoo tietää asuu tuli tulee meni menee teki tekee löi lyö haukkuu kiusaa
    pelkää haluu haluaa sai saa voi voisi pitää ois olis olisi oon ole olen olet ollut ollu koulussa kotona täällä siellä
    aikoo alkoi rupes mulla sulla sillä meillä teillä heillä ihan aivan melkein enää ehkä kai vissiin varmaan siis no joo juu okei ok hei moi moikka
    kaveri kaverit isä äiti veli sisko joku jotain kukaan kaikki muut toinen toiset uusi vanha pieni iso`,
  // Inflected forms of names that are words (checked against voikko-fi, wswedish, wdutch, myspell-et, wbritish).
  notNames: "ainoa avaa avaan aria helinä helistä jakeen jakeineen lukea lukeko lukee joen joessa joella joelle joesta joet joeksi neat piian päiviä päivin päiville päivillä päivissä päivistä päiviksi päiviin päiviltä jyrkin jyrkille jyrkillä jyrkissä jyrkistä jonne anusta",
};
