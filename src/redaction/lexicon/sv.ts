import type { Lexicon } from "./lexicon-type.js";

/** Swedish (Sweden and Swedish-speaking Finland): common given names; compiled for this project. */
export const sv: Lexicon = {
  firstNames: `Adam Agnes Albin Alexander Alfred Ali Alice Alicia Alma Alva Alvin Amanda Anders Andreas Anna Anton Arvid Astrid Axel Beatrice Benjamin Björn
    Carl Casper Charlie Christoffer Cornelia Daniel David Ebba Ebbe Edith Edvin Elias Elin Elis Ella Ellen Ellie Elliot Elsa Elvira Emelie Emil Emilia Emma Engla Erik Erika
    Filip Fredrik Freja Frida Gustav Hampus Hanna Hannes Harry Hedda Henrik Hilda Hugo Ida Ines Ingrid Iris Isabelle Isak Ivar Jakob Jenny Jesper Jessica Joel Johan Johanna Johannes Jonas Jonathan Josef Josefin Julia
    Kalle Karin Karl Kevin Klara Lars Lea Leah Leo Leon Liam Lina Linnea Linus Lisa Liv Loke Lova Love Lovisa Lucas Ludvig Magnus Maja Majken Malin Malte Marcus Maria Martin Mats Matilda Matteo Max Meja Melker Melvin Mikael Mikaela Milo Minna Moa
    Nellie Nils Noah Noel Nora Nova Olivia Olle Oliver Oscar Otto Patrik Per Peter Rasmus Robin Samuel Sandra Sanna Sara Saga Sebastian Selma Sigge Signe Simon Siri Sixten Sofia Stefan Stella Stina Svea Sven
    Thea Theo Theodor Therese Tilda Tim Tobias Tove Ture Tuva Valter Vera Viggo Viktor Vilma Vincent William Wilma Wilmer Ylva Åsa Märta Göran Ulrika Jonna Fanny Tyra`,
  ambiguous: "axel björn love per klara liv saga stig sten bo tim lina harry max noel signe vera nova alva stella moa märta",
  cueWords: `kompis kompisen kompisar kompis's polare polaren vän vännen väninna väninnan bästis bästisen bror brorsan brodern lillebror storebror syster systern syrran lillasyster storasyster
    kusin kusinen pojkvän pojkvännen flickvän flickvännen ex:et ex mamma mamman pappa pappan styvpappa styvpappan styvmamma styvmamman farbror morbror faster moster mormor morfar farmor farfar
    lärare läraren mentor mentorn klasskompis klasskompisen granne grannen tränare tränaren kurator kuratorn heter hette kallad kallas`,
  stopwords: `och är var inte jag du han hon hen vi ni de dem den det som att en ett men eller om så när för med på i till från av har hade ska skulle kan kunde vill ville
    min mitt mina din ditt hans hennes deras vår er sa säger sade berättade vet bor kom kommer gick går gjorde gör slog slår mobbar hotar
    också bara nu då sen igår idag imorgon alltid aldrig typ liksom väldigt jätte mycket lite hej hallå okej ok ja nej jo kanske
    kompis bror syster mamma pappa någon något alla andra ny gammal liten stor`,
  // Inflected forms of names that are words (checked against voikko-fi, wswedish, wdutch, myspell-et, wbritish).
  notNames: "karl karls olle lisa tuva fanny",
};
